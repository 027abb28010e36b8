/* test_output.c — the pieces that keep so8t's outputs whole: the atomic file module
 * (cli/cli_atomic.c: temp + fsync + rename, modes, special targets, a file size limit and a
 * signal half way in a child process), the JSON string writer on invalid UTF-8
 * (cli/cli_json.c), and 'so8t run' on a tiny model: valid UTF-8 in --json and a checked
 * stdout (the binary is $SO8T, set by make; default bin/so8t).
 *
 * The cli/ files are compiled into this test directly: the front end is not in libso8t.a. */
#include "cli/cli_atomic.c"
#include "cli/cli_json.c"
#include "cli/cli_stdout.c"
#include "llm/llm.h"
#include "tests/support/testmodel.h"
#include "tests/test.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <sys/resource.h>
#include <sys/wait.h>

static char dir[64];

/* the whole file in buf (NUL-terminated); -1 when it cannot be read */
static long read_file(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, cap - 1, f);
    buf[n] = 0;
    fclose(f);
    return (long)n;
}

/* how many entries (other than . and ..) the test folder holds */
static int count_entries(void)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    if (d)
        closedir(d);
    return n;
}

static void test_atomic_files(void)
{
    char path[128], buf[256], err[4400];
    cli_atomic a;
    snprintf(path, sizeof path, "%s/a.txt", dir);

    /* a new file: written, mode 0666 & ~umask, nothing else left */
    mode_t old_mask = umask(022);
    CHECK(cli_atomic_open(&a, path, err, sizeof err) == 0);
    CHECK(!a.direct && !a.to_stdout && a.f);
    CHECK(access(path, F_OK) != 0); /* not there before the commit */
    CHECK(count_entries() == 1);    /* only the temporary file */
    fputs("new text\n", a.f);
    CHECK_MSG(cli_atomic_commit(&a, err, sizeof err) == 0, "%s", err);
    CHECK(read_file(path, buf, sizeof buf) == 9 && !strcmp(buf, "new text\n"));
    struct stat st;
    CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0644);
    CHECK(count_entries() == 1);

    /* replacing keeps the old file's mode */
    chmod(path, 0640);
    CHECK(cli_atomic_open(&a, path, err, sizeof err) == 0);
    fputs("second\n", a.f);
    CHECK(read_file(path, buf, sizeof buf) == 9); /* old content until the commit */
    CHECK(cli_atomic_commit(&a, err, sizeof err) == 0);
    CHECK(read_file(path, buf, sizeof buf) == 7 && !strcmp(buf, "second\n"));
    CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0640);
    umask(077);
    snprintf(path, sizeof path, "%s/b.txt", dir);
    CHECK(cli_atomic_open(&a, path, err, sizeof err) == 0);
    CHECK(cli_atomic_commit(&a, err, sizeof err) == 0);
    CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600 && st.st_size == 0);
    unlink(path);
    umask(old_mask);

    /* abort: the old file stays, the temporary goes */
    snprintf(path, sizeof path, "%s/a.txt", dir);
    CHECK(cli_atomic_open(&a, path, err, sizeof err) == 0);
    fputs("never seen", a.f);
    cli_atomic_abort(&a);
    cli_atomic_abort(&a); /* twice is harmless */
    CHECK(read_file(path, buf, sizeof buf) == 7 && !strcmp(buf, "second\n"));
    CHECK(count_entries() == 1);

    /* a symbolic link: the file behind it is replaced, the link stays a link */
    char link[128];
    snprintf(link, sizeof link, "%s/l.txt", dir);
    CHECK(symlink("a.txt", link) == 0);
    CHECK(cli_atomic_open(&a, link, err, sizeof err) == 0);
    fputs("via link\n", a.f);
    CHECK(cli_atomic_commit(&a, err, sizeof err) == 0);
    struct stat ls;
    CHECK(lstat(link, &ls) == 0 && S_ISLNK(ls.st_mode));
    CHECK(read_file(path, buf, sizeof buf) == 9 && !strcmp(buf, "via link\n"));
    unlink(link);

    /* names that cannot be written: refused at open, with a reason */
    char bad[160];
    snprintf(bad, sizeof bad, "%s/missing/x.txt", dir);
    CHECK(cli_atomic_open(&a, bad, err, sizeof err) == -1 && strstr(err, "folder does not exist"));
    CHECK(cli_atomic_open(&a, dir, err, sizeof err) == -1 && strstr(err, "directory"));
    CHECK(cli_atomic_open(&a, "", err, sizeof err) == -1);
    snprintf(bad, sizeof bad, "%s/dangling", dir);
    CHECK(symlink("nowhere/x", bad) == 0);
    CHECK(cli_atomic_open(&a, bad, err, sizeof err) == -1 && strstr(err, "missing file"));
    unlink(bad);
    CHECK(count_entries() == 1);

    /* special targets are written in place */
    CHECK(cli_atomic_open(&a, "-", err, sizeof err) == 0 && a.to_stdout && a.f == stdout);
    CHECK(cli_atomic_commit(&a, err, sizeof err) == 0);
    CHECK(cli_atomic_open(&a, "/dev/null", err, sizeof err) == 0 && a.direct && !a.to_stdout);
    fputs("gone", a.f);
    CHECK(cli_atomic_commit(&a, err, sizeof err) == 0);
    /* a full device: the failure is found at commit, with its reason */
    CHECK(cli_atomic_open(&a, "/dev/full", err, sizeof err) == 0 && a.direct);
    fputs("no room", a.f);
    CHECK(cli_atomic_commit(&a, err, sizeof err) == -1 && strstr(err, "No space left"));
}

/* In a child: open, write `bytes`, commit; a file size limit of 4 KiB. Exit status 0 ok,
 * 1 failed commit with "File too large". ignore_xfsz: SIGXFSZ ignored (else it kills). */
static int child_write(const char *path, size_t bytes, int ignore_xfsz, int raise_sig)
{
    pid_t pid = fork();
    if (pid == 0) {
        struct rlimit rl = {4096, 4096};
        setrlimit(RLIMIT_FSIZE, &rl);
        signal(SIGXFSZ, ignore_xfsz ? SIG_IGN : SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        cli_atomic a;
        char err[4400];
        if (cli_atomic_open(&a, path, err, sizeof err))
            _exit(3);
        for (size_t i = 0; i < bytes; i++) {
            if (raise_sig && i == bytes / 2) {
                fflush(a.f); /* something is on disk */
                raise(raise_sig);
            }
            if (fputc('x', a.f) == EOF)
                break;
        }
        int rc = cli_atomic_commit(&a, err, sizeof err);
        _exit(rc == 0 ? 0 : strstr(err, "File too large") ? 1 : 2);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void test_atomic_failures(void)
{
    char path[128], buf[256];
    snprintf(path, sizeof path, "%s/a.txt", dir);
    /* the limit is hit: EFBIG (SIGXFSZ ignored) → commit fails, old file intact, no temp */
    CHECK_MSG(child_write(path, 100000, 1, 0) == 1, "EFBIG should fail the commit");
    CHECK(read_file(path, buf, sizeof buf) == 9 && !strcmp(buf, "via link\n"));
    CHECK(count_entries() == 1);
    /* SIGXFSZ at its default: the handler removes the temporary file and dies of it */
    CHECK(child_write(path, 100000, 0, 0) == 128 + SIGXFSZ);
    CHECK(read_file(path, buf, sizeof buf) == 9 && !strcmp(buf, "via link\n"));
    CHECK(count_entries() == 1);
    /* SIGTERM half way: the same */
    CHECK(child_write(path, 2000, 1, SIGTERM) == 128 + SIGTERM);
    CHECK(read_file(path, buf, sizeof buf) == 9 && !strcmp(buf, "via link\n"));
    CHECK(count_entries() == 1);
    /* under the limit it works */
    CHECK(child_write(path, 1000, 1, 0) == 0);
    struct stat st;
    CHECK(stat(path, &st) == 0 && st.st_size == 1000);
    CHECK(count_entries() == 1);
}

/* cli_json_write_escaped into a buffer */
static void escaped(const char *in, char *out, size_t cap)
{
    char *p = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&p, &n);
    cli_json_write_escaped(f, in);
    fclose(f);
    snprintf(out, cap, "%s", p);
    free(p);
}

#define FFFD "\xef\xbf\xbd"

static void test_json_utf8(void)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"plain", "\"plain\""},
        {"a\"b\\c\n\x01", "\"a\\\"b\\\\c\\n\\u0001\""},
        {"\xe2\x82\xac \xc3\xa9 \xf0\x9f\x98\x80", "\"\xe2\x82\xac \xc3\xa9 \xf0\x9f\x98\x80\""},
        {"cut \xe2\x82", "\"cut " FFFD FFFD "\""},           /* € cut after 2 of 3 bytes */
        {"\xf0\x9f\x98", "\"" FFFD FFFD FFFD "\""},          /* 😀 cut */
        {"\x80z", "\"" FFFD "z\""},                          /* a lone continuation byte */
        {"\xc0\xaf", "\"" FFFD FFFD "\""},                   /* overlong '/' */
        {"\xe0\x80\xaf", "\"" FFFD FFFD FFFD "\""},          /* overlong, 3 bytes */
        {"\xed\xa0\x80", "\"" FFFD FFFD FFFD "\""},          /* a UTF-16 surrogate */
        {"\xf4\x90\x80\x80", "\"" FFFD FFFD FFFD FFFD "\""}, /* above U+10FFFF */
        {"\xff\xfe", "\"" FFFD FFFD "\""},
        {"Latin-1 caf\xe9!", "\"Latin-1 caf" FFFD "!\""},
        {"\xe2\x82\xac\xe2", "\"\xe2\x82\xac" FFFD "\""},
    };
    char out[256];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        escaped(cases[i].in, out, sizeof out);
        CHECK_MSG(!strcmp(out, cases[i].want), "case %zu: got '%s', want '%s'", i, out,
                  cases[i].want);
    }
}

/* so8t ARGS with stdout to `out_path`; returns the exit status, stderr in errbuf */
static char errbuf[8192];
static int run_so8t(const char *so8t, const char *args, const char *out_path)
{
    char cmd[1024], fe[128];
    snprintf(fe, sizeof fe, "%s/err", dir);
    snprintf(cmd, sizeof cmd, "%s %s >%s 2>%s", so8t, args, out_path, fe);
    int st = system(cmd);
    if (read_file(fe, errbuf, sizeof errbuf) < 0)
        errbuf[0] = 0;
    unlink(fe);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* strict UTF-8 check of a whole text (the JSON document) */
static int valid_utf8(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        int n = utf8_valid_len(p);
        if (!n)
            return 0;
        p += n;
    }
    return 1;
}

static void test_run(void)
{
    const char *so8t = getenv("SO8T") ? getenv("SO8T") : "bin/so8t";
    if (access(so8t, X_OK) != 0) {
        CHECK_MSG(0, "so8t binary '%s' not found (set SO8T)", so8t);
        return;
    }
    char model[128], args[512], outp[128], err[512];
    snprintf(model, sizeof model, "%s/tiny.gguf", dir);
    snprintf(outp, sizeof outp, "%s/out", dir);
    CHECK(llm_test_model_write(model, "gemma3", LLM_TYPE_Q8_0, 21, err, sizeof err) == 0);

    /* The tiny model repeats the prompt's last token; a prompt ending in a byte token
       (a character the vocabulary lacks, or a lone lead byte) makes a generation made of
       bytes that are no UTF-8 — as a real model's output cut inside a character is. */
    static const struct {
        const char *prompt, *want;
    } runs[] = {
        {"the ball \xe2\x82\xac", FFFD FFFD FFFD FFFD}, /* 0xAC (a continuation) x 4 */
        {"the ball \xe2", FFFD FFFD FFFD FFFD},         /* 0xE2 (a lead, cut) x 4 */
        {"the ball \xc3\xa9", "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"}, /* é is a token: kept */
    };
    static char text[1 << 16];
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        snprintf(args, sizeof args, "run -m %s -p '%s' -n 4 --seed 1 --threads 1 --json", model,
                 runs[i].prompt);
        CHECK(run_so8t(so8t, args, outp) == 0);
        CHECK(read_file(outp, text, sizeof text) > 0);
        CHECK_MSG(valid_utf8(text), "run %zu: --json printed invalid UTF-8: %.80s", i, text);
        cJSON *j = cJSON_Parse(text);
        const cJSON *t = j ? cJSON_GetObjectItem(j, "text") : NULL;
        CHECK_MSG(cJSON_IsString(t) && !strcmp(t->valuestring, runs[i].want),
                  "run %zu: text '%s', want '%s'", i, cJSON_IsString(t) ? t->valuestring : "?",
                  runs[i].want);
        cJSON_Delete(j);
    }

    /* stdout on a full device: exit 1 with the reason, streaming and --json */
    snprintf(args, sizeof args, "run -m %s -p 'the ball' -n 8 --seed 1", model);
    CHECK(run_so8t(so8t, args, "/dev/full") == 1);
    CHECK_MSG(strstr(errbuf, "standard output: No space left"), "stderr: %s", errbuf);
    snprintf(args, sizeof args, "run -m %s -p 'the ball' -n 8 --seed 1 --json", model);
    CHECK(run_so8t(so8t, args, "/dev/full") == 1);
    CHECK_MSG(strstr(errbuf, "standard output: No space left"), "stderr: %s", errbuf);
    snprintf(args, sizeof args, "info %s", model);
    CHECK(run_so8t(so8t, args, "/dev/full") == 1);
    unlink(model);
    unlink(outp);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/so8t_test_output_%d", (int)getpid());
    CHECK(mkdir(dir, 0755) == 0);
    test_atomic_files();
    test_atomic_failures();
    test_json_utf8();
    test_run();
    char path[128];
    snprintf(path, sizeof path, "%s/a.txt", dir);
    unlink(path);
    CHECK(rmdir(dir) == 0);
    return test_summary();
}
