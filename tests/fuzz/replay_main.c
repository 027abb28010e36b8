/* replay_main.c — runs every file of FUZZ_CORPUS_DIR (a string macro the Makefile passes,
 * e.g. "tests/fuzz/corpus/gguf") through LLVMFuzzerTestOneInput, without libFuzzer, so CI
 * can replay the seed corpus under the normal and the sanitizer builds. A crash fails the
 * run; an empty or missing corpus is a failure too. Prints "N passed, 0 failed". */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef FUZZ_CORPUS_DIR
#error "FUZZ_CORPUS_DIR must name the corpus folder"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : FUZZ_CORPUS_DIR;
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "replay: cannot open corpus folder %s\n", dir);
        printf("0 passed, 1 failed\n");
        return 1;
    }
    int n = 0, bad = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        FILE *f = fopen(path, "rb");
        if (!f) {
            fprintf(stderr, "replay: cannot read %s\n", path);
            bad++;
            continue;
        }
        size_t size = (size_t)st.st_size;
        /* an exact-size heap copy, so ASan sees any read past the end */
        uint8_t *buf = malloc(size ? size : 1);
        if (!buf || fread(buf, 1, size, f) != size) {
            fprintf(stderr, "replay: cannot read %s\n", path);
            bad++;
            free(buf);
            fclose(f);
            continue;
        }
        fclose(f);
        LLVMFuzzerTestOneInput(buf, size);
        free(buf);
        n++;
    }
    closedir(d);
    if (n == 0 && bad == 0) {
        fprintf(stderr, "replay: corpus folder %s is empty\n", dir);
        printf("0 passed, 1 failed\n");
        return 1;
    }
    printf("%d passed, %d failed\n", n, bad);
    return bad ? 1 : 0;
}
