/* test_gguf.c — the GGUF reader and writer: round trip of every metadata type, v2 and v3,
 * alignment, and the malformed files of notes/llm_reference.md §4.4 (each must give an
 * error naming the problem, never a crash), including truncation at every byte offset. */
#include "llm/llm.h"
#include "tests/test.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- a byte builder for hand-made files ---- */
typedef struct {
    uint8_t b[4096];
    size_t n;
} bb;

static void put(bb *x, const void *p, size_t n)
{
    memcpy(x->b + x->n, p, n);
    x->n += n;
}
static void u32(bb *x, uint32_t v) { put(x, &v, 4); }
static void u64(bb *x, uint64_t v) { put(x, &v, 8); }
static void str(bb *x, const char *s)
{
    u64(x, strlen(s));
    put(x, s, strlen(s));
}
static void header(bb *x, uint32_t ver, uint64_t nt, uint64_t nkv)
{
    x->n = 0;
    put(x, "GGUF", 4);
    u32(x, ver);
    u64(x, nt);
    u64(x, nkv);
}
static void pad(bb *x, size_t a)
{
    while (x->n % a)
        x->b[x->n++] = 0;
}
/* one tensor info */
static void tinfo(bb *x, const char *name, uint32_t nd, const int64_t *ne, int32_t type, uint64_t off)
{
    str(x, name);
    u32(x, nd);
    for (uint32_t i = 0; i < nd; i++)
        u64(x, (uint64_t)ne[i]);
    u32(x, (uint32_t)type);
    u64(x, off);
}

static char err[1024];

/* The file must be rejected, and the message must contain `needle`. */
static void expect_reject(const bb *x, const char *needle, int line)
{
    llm_gguf *g = (llm_gguf *)0x1;
    err[0] = 0;
    int rc = llm_gguf_open_memory(x->b, x->n, &g, err, sizeof err);
    int ok = rc < 0 && g == NULL && strstr(err, needle) != NULL;
    test_record(ok, __FILE__, line, needle);
    if (!ok)
        fprintf(stderr, "     rc %d, message: '%s' (wanted '%s')\n", rc, err, needle);
    if (rc == 0)
        llm_gguf_close(g);
}
#define REJECT(x, needle) expect_reject(x, needle, __LINE__)

static void expect_accept(const bb *x, int line)
{
    llm_gguf *g = NULL;
    int rc = llm_gguf_open_memory(x->b, x->n, &g, err, sizeof err);
    test_record(rc == 0, __FILE__, line, "valid file accepted");
    if (rc)
        fprintf(stderr, "     %s\n", err);
    llm_gguf_close(g);
}
#define ACCEPT(x) expect_accept(x, __LINE__)

/* A valid file with one u32 KV and one F32 tensor of 4 elements. */
static void valid_one(bb *x, uint32_t ver)
{
    header(x, ver, 1, 1);
    str(x, "general.architecture");
    u32(x, LLM_GGUF_STRING);
    str(x, "test");
    int64_t ne[1] = {4};
    tinfo(x, "t0", 1, ne, LLM_TYPE_F32, 0);
    pad(x, 32);
    float d[4] = {1, 2, 3, 4};
    put(x, d, sizeof d);
}

static void test_malformed(void)
{
    bb x;
    int64_t ne1[1] = {4};

    valid_one(&x, 3);
    ACCEPT(&x);
    valid_one(&x, 2);
    ACCEPT(&x);

    /* 1. magic, short file */
    valid_one(&x, 3);
    memcpy(x.b, "FUGG", 4);
    REJECT(&x, "bad magic");
    x.n = 10;
    memcpy(x.b, "GGUF", 4);
    REJECT(&x, "header");
    /* 2. versions */
    valid_one(&x, 0);
    REJECT(&x, "version 0");
    valid_one(&x, 1);
    REJECT(&x, "v1 is no longer supported");
    valid_one(&x, 4);
    REJECT(&x, "newer than supported");
    valid_one(&x, 0x03000000u);
    REJECT(&x, "big-endian");
    /* 3. tensor counts */
    header(&x, 3, UINT64_MAX, 0);
    REJECT(&x, "tensor count");
    header(&x, 3, 1ull << 61, 0);
    REJECT(&x, "tensor count");
    /* 4. n_kv */
    header(&x, 3, 0, UINT64_MAX);
    REJECT(&x, "metadata count");
    header(&x, 3, 0, 1ull << 40);
    u64(&x, 0);
    REJECT(&x, "metadata count");
    /* 5. strings */
    header(&x, 3, 0, 1);
    u64(&x, UINT64_MAX);
    u32(&x, 0);
    u64(&x, 0);
    REJECT(&x, "string length");
    header(&x, 3, 0, 1);
    u64(&x, 100);
    put(&x, "abc", 3);
    u32(&x, 4);
    u32(&x, 4);
    REJECT(&x, "string length 100");
    header(&x, 3, 0, 1);
    str(&x, "");
    u32(&x, LLM_GGUF_UINT32);
    u32(&x, 1);
    REJECT(&x, "empty key");
    header(&x, 3, 0, 1);
    str(&x, "k");
    u32(&x, LLM_GGUF_STRING);
    u64(&x, 1ull << 40);
    REJECT(&x, "value of key 'k'");
    /* 6. arrays */
    header(&x, 3, 0, 1);
    str(&x, "a");
    u32(&x, LLM_GGUF_ARRAY);
    u32(&x, LLM_GGUF_UINT8);
    u64(&x, 1ull << 63);
    REJECT(&x, "do not fit");
    header(&x, 3, 0, 1);
    str(&x, "a");
    u32(&x, LLM_GGUF_ARRAY);
    u32(&x, LLM_GGUF_UINT32);
    u64(&x, 1000);
    u64(&x, 0);
    REJECT(&x, "do not fit");
    header(&x, 3, 0, 1);
    str(&x, "a");
    u32(&x, LLM_GGUF_ARRAY);
    u32(&x, LLM_GGUF_STRING);
    u64(&x, 1ull << 59); /* 2^59 strings of >= 8 bytes each */
    u64(&x, 0);
    REJECT(&x, "do not fit");
    header(&x, 3, 0, 1);
    str(&x, "nested");
    u32(&x, LLM_GGUF_ARRAY);
    u32(&x, LLM_GGUF_ARRAY);
    u64(&x, 1);
    u32(&x, LLM_GGUF_UINT8);
    u64(&x, 1);
    u32(&x, 0);
    REJECT(&x, "nested arrays");
    header(&x, 3, 0, 1);
    str(&x, "a");
    u32(&x, LLM_GGUF_ARRAY);
    u32(&x, 0x7fffffffu);
    u64(&x, 0);
    REJECT(&x, "invalid array element type");
    /* 7. value types */
    header(&x, 3, 0, 1);
    str(&x, "k");
    u32(&x, 0x7fffffffu);
    u64(&x, 0);
    REJECT(&x, "invalid value type 2147483647");
    header(&x, 3, 0, 1);
    str(&x, "k");
    u32(&x, 13);
    u64(&x, 0);
    REJECT(&x, "invalid value type 13");
    header(&x, 3, 0, 1);
    str(&x, "k");
    u32(&x, LLM_GGUF_BOOL);
    x.b[x.n++] = 2;
    REJECT(&x, "bool value 2");
    /* 8. duplicates */
    header(&x, 3, 0, 2);
    str(&x, "dup.key");
    u32(&x, LLM_GGUF_UINT8);
    x.b[x.n++] = 1;
    str(&x, "dup.key");
    u32(&x, LLM_GGUF_UINT8);
    x.b[x.n++] = 1;
    REJECT(&x, "duplicate key 'dup.key'");
    header(&x, 3, 2, 0);
    tinfo(&x, "w", 1, ne1, LLM_TYPE_F32, 0);
    tinfo(&x, "w", 1, ne1, LLM_TYPE_F32, 32);
    pad(&x, 32);
    memset(x.b + x.n, 0, 64);
    x.n += 64;
    REJECT(&x, "duplicate tensor name 'w'");
    /* 9. alignment */
    header(&x, 3, 0, 1);
    str(&x, "general.alignment");
    u32(&x, LLM_GGUF_UINT64);
    u64(&x, 32);
    REJECT(&x, "must be uint32");
    uint32_t bad_align[3] = {0, 13, 1u << 31};
    for (int i = 0; i < 3; i++) {
        header(&x, 3, 0, 1);
        str(&x, "general.alignment");
        u32(&x, LLM_GGUF_UINT32);
        u32(&x, bad_align[i]);
        REJECT(&x, "not a power of two");
    }
    /* 10. dimensions */
    {
        int64_t ne5[5] = {1, 1, 1, 1, 1};
        header(&x, 3, 1, 0);
        tinfo(&x, "t", 5, ne5, LLM_TYPE_F32, 0);
        REJECT(&x, "n_dims");
        header(&x, 3, 1, 0);
        tinfo(&x, "t", 0, ne5, LLM_TYPE_F32, 0);
        u64(&x, 0);
        REJECT(&x, "n_dims");
        int64_t neg[2] = {4, -1};
        header(&x, 3, 1, 0);
        tinfo(&x, "t", 2, neg, LLM_TYPE_F32, 0);
        REJECT(&x, "ne[1]");
        int64_t zero[2] = {4, 0};
        header(&x, 3, 1, 0);
        tinfo(&x, "t", 2, zero, LLM_TYPE_F32, 0);
        REJECT(&x, "dimensions must be >= 1");
        int64_t big[2] = {1ll << 62, 1ll << 62};
        header(&x, 3, 1, 0);
        tinfo(&x, "t", 2, big, LLM_TYPE_F32, 0);
        REJECT(&x, "overflows int64");
        int64_t huge[2] = {1ll << 40, 1ll << 20};
        header(&x, 3, 1, 0);
        tinfo(&x, "t", 2, huge, LLM_TYPE_F32, 0);
        REJECT(&x, "more bytes than the whole file");
        /* size_t wrap: nblocks * type_size overflows 64 bits */
        int64_t wrap[2] = {(1ll << 62) / 32 * 32, 1};
        header(&x, 3, 1, 0);
        tinfo(&x, "t", 2, wrap, LLM_TYPE_Q8_0, 0);
        REJECT(&x, "more bytes than the whole file");
    }
    /* 11. tensor types */
    int32_t bad_types[4] = {LLM_TYPE_COUNT, -1, 4, 33};
    for (int i = 0; i < 4; i++) {
        header(&x, 3, 1, 0);
        tinfo(&x, "t", 1, ne1, bad_types[i], 0);
        REJECT(&x, "invalid or removed type");
    }
    /* 12. row length not a multiple of the block */
    {
        int64_t ne[2] = {640, 1};
        header(&x, 3, 1, 0);
        tinfo(&x, "q", 2, ne, LLM_TYPE_Q4_K, 0);
        REJECT(&x, "not a multiple of the Q4_K block size 256");
    }
    /* 13. offsets */
    header(&x, 3, 1, 0);
    tinfo(&x, "t", 1, ne1, LLM_TYPE_F32, 32);
    pad(&x, 32);
    memset(x.b + x.n, 0, 64);
    x.n += 64;
    REJECT(&x, "data offset 32, expected 0");
    header(&x, 3, 2, 0);
    tinfo(&x, "a", 1, ne1, LLM_TYPE_F32, 0);
    tinfo(&x, "b", 1, ne1, LLM_TYPE_F32, 16); /* inside the padding: unaligned */
    pad(&x, 32);
    memset(x.b + x.n, 0, 64);
    x.n += 64;
    REJECT(&x, "expected 32");
    valid_one(&x, 3);
    x.n -= 4; /* data cut short: the Bleeding Llama class */
    REJECT(&x, "outside the file");
    header(&x, 3, 1, 0);
    tinfo(&x, "t", 1, ne1, LLM_TYPE_F32, 0);
    REJECT(&x, "data section"); /* padding runs past the end */
    /* 14. long tensor name */
    {
        char name[65];
        memset(name, 'n', 64);
        name[64] = 0;
        header(&x, 3, 1, 0);
        tinfo(&x, name, 1, ne1, LLM_TYPE_F32, 0);
        pad(&x, 32);
        memset(x.b + x.n, 0, 16);
        x.n += 16;
        REJECT(&x, "length 64");
        name[63] = 0; /* 63 bytes is fine */
        header(&x, 3, 1, 0);
        tinfo(&x, name, 1, ne1, LLM_TYPE_F32, 0);
        pad(&x, 32);
        memset(x.b + x.n, 0, 16);
        x.n += 16;
        ACCEPT(&x);
    }
    /* every truncation of a valid file is an error (and never a crash) */
    valid_one(&x, 3);
    size_t full = x.n;
    int all_rejected = 1;
    for (size_t cut = 0; cut < full; cut++) {
        llm_gguf *g = NULL;
        if (llm_gguf_open_memory(x.b, cut, &g, err, sizeof err) == 0) {
            all_rejected = 0;
            fprintf(stderr, "     truncation at %zu accepted\n", cut);
            llm_gguf_close(g);
        }
    }
    CHECK(all_rejected);
}

/* Writer → reader round trip of every metadata type, plus tensor views. */
static void test_roundtrip(uint32_t version, uint32_t align)
{
    llm_gguf_writer *w = llm_gguf_writer_new(version, align);
    CHECK(w != NULL);
    uint8_t u8 = 200;
    int8_t i8 = -5;
    uint16_t u16 = 60000;
    int16_t i16 = -30000;
    int32_t i32 = -123456;
    uint64_t u64v = 1ull << 40;
    int64_t i64 = -(1ll << 40);
    double f64 = 3.25;
    llm_gguf_writer_add_raw(w, "t.u8", LLM_GGUF_UINT8, &u8);
    llm_gguf_writer_add_raw(w, "t.i8", LLM_GGUF_INT8, &i8);
    llm_gguf_writer_add_raw(w, "t.u16", LLM_GGUF_UINT16, &u16);
    llm_gguf_writer_add_raw(w, "t.i16", LLM_GGUF_INT16, &i16);
    llm_gguf_writer_add_u32(w, "t.u32", 4000000000u);
    llm_gguf_writer_add_i32(w, "t.i32", i32);
    llm_gguf_writer_add_f32(w, "t.f32", 1.5f);
    llm_gguf_writer_add_bool(w, "t.bool", 1);
    llm_gguf_writer_add_str(w, "t.str", "héllo");
    llm_gguf_writer_add_u64(w, "t.u64", u64v);
    llm_gguf_writer_add_raw(w, "t.i64", LLM_GGUF_INT64, &i64);
    llm_gguf_writer_add_raw(w, "t.f64", LLM_GGUF_FLOAT64, &f64);
    int32_t arr[3] = {7, 8, 9};
    llm_gguf_writer_add_arr(w, "t.arr", LLM_GGUF_INT32, arr, 3);
    const char *ss[3] = {"a", "", "ccc"};
    llm_gguf_writer_add_arr_str(w, "t.sarr", ss, 3);
    float a[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    int64_t ne_a[2] = {4, 2}, ne_b[1] = {3};
    CHECK(llm_gguf_writer_add_tensor(w, "A", LLM_TYPE_F32, 2, ne_a, a) == 0);
    CHECK(llm_gguf_writer_add_tensor(w, "B", LLM_TYPE_F32, 1, ne_b, a + 5) == 0);
    uint8_t *mem;
    size_t size;
    CHECK(llm_gguf_writer_to_memory(w, &mem, &size) == 0);
    llm_gguf_writer_free(w);
    llm_gguf *g = NULL;
    int rc = llm_gguf_open_memory(mem, size, &g, err, sizeof err);
    CHECK_MSG(rc == 0, "%s", err);
    if (rc) {
        free(mem);
        return;
    }
    CHECK(llm_gguf_version(g) == version);
    CHECK(llm_gguf_alignment(g) == align);
    CHECK(llm_gguf_data_offset(g) % align == 0);
    uint64_t u;
    double f;
    int b;
    CHECK(llm_gguf_get_uint(g, "t.u8", &u, err, sizeof err) == 0 && u == 200);
    CHECK(llm_gguf_get_uint(g, "t.u16", &u, err, sizeof err) == 0 && u == 60000);
    CHECK(llm_gguf_get_uint(g, "t.u32", &u, err, sizeof err) == 0 && u == 4000000000u);
    CHECK(llm_gguf_get_uint(g, "t.u64", &u, err, sizeof err) == 0 && u == (1ull << 40));
    CHECK(llm_gguf_get_uint(g, "t.i8", &u, err, sizeof err) < 0); /* negative */
    CHECK(strstr(err, "negative") != NULL);
    CHECK(llm_gguf_get_float(g, "t.f32", &f, err, sizeof err) == 0 && f == 1.5);
    CHECK(llm_gguf_get_float(g, "t.f64", &f, err, sizeof err) == 0 && f == 3.25);
    CHECK(llm_gguf_get_float(g, "t.i16", &f, err, sizeof err) < 0);
    CHECK(llm_gguf_get_bool(g, "t.bool", &b, err, sizeof err) == 0 && b == 1);
    CHECK(llm_gguf_get_bool(g, "t.u8", &b, err, sizeof err) < 0 && strstr(err, "expected bool"));
    CHECK(llm_gguf_get_uint(g, "missing.key", &u, err, sizeof err) < 0 && strstr(err, "missing.key"));
    const char *s;
    uint64_t n;
    CHECK(llm_gguf_get_str(g, "t.str", &s, &n, err, sizeof err) == 0 && n == 6 && !memcmp(s, "héllo", 6));
    int64_t k = llm_gguf_find_key(g, "t.sarr");
    CHECK(k >= 0);
    CHECK(llm_gguf_arr_str(g, k, 2, &s, &n) == 0 && n == 3 && !memcmp(s, "ccc", 3));
    CHECK(llm_gguf_arr_str(g, k, 1, &s, &n) == 0 && n == 0);
    CHECK(llm_gguf_arr_str(g, k, 3, &s, &n) < 0); /* out of range */
    int64_t ka = llm_gguf_find_key(g, "t.arr");
    const uint8_t *ad = llm_gguf_arr_data(g, ka);
    int32_t a0 = 0, a2 = 0;
    if (ad) {
        memcpy(&a0, ad, 4); /* array data is not aligned in the file */
        memcpy(&a2, ad + 8, 4);
    }
    CHECK(ad && a0 == 7 && a2 == 9);
    llm_gguf_kv_info ki;
    CHECK(llm_gguf_kv(g, ka, &ki) == 0 && ki.type == LLM_GGUF_ARRAY && ki.arr_type == LLM_GGUF_INT32 && ki.arr_n == 3);
    /* raw encodings copy into an identical file */
    llm_gguf_writer *w2 = llm_gguf_writer_new(version, 32);
    for (int64_t i = 0; i < llm_gguf_n_kv(g); i++) {
        const void *raw;
        uint64_t rs;
        llm_gguf_kv(g, i, &ki);
        if (!strcmp(ki.key, "general.alignment"))
            continue;
        CHECK(llm_gguf_kv_raw(g, i, &raw, &rs) == 0);
        llm_gguf_writer_add_encoded(w2, ki.key, ki.type, raw, rs);
    }
    uint8_t *mem2;
    size_t size2;
    CHECK(llm_gguf_writer_to_memory(w2, &mem2, &size2) == 0);
    llm_gguf *g2 = NULL;
    CHECK(llm_gguf_open_memory(mem2, size2, &g2, err, sizeof err) == 0);
    CHECK(g2 && llm_gguf_get_str(g2, "t.str", &s, &n, err, sizeof err) == 0 && n == 6);
    CHECK(g2 && llm_gguf_get_float(g2, "t.f64", &f, err, sizeof err) == 0 && f == 3.25);
    llm_gguf_close(g2);
    llm_gguf_writer_free(w2);
    free(mem2);
    CHECK(llm_gguf_n_tensors(g) == 2);
    llm_gguf_tensor_info t;
    CHECK(llm_gguf_tensor(g, llm_gguf_find_tensor(g, "B"), &t) == 0);
    CHECK(t.ne[0] == 3 && t.n_dims == 1 && t.nbytes == 12 && t.offset % align == 0);
    CHECK(((const float *)t.data)[0] == 6 && ((const float *)t.data)[2] == 8);
    CHECK(llm_gguf_find_tensor(g, "C") == -1);
    llm_gguf_close(g);
    free(mem);
}

static void test_type_table(void)
{
    CHECK(!strcmp(llm_type_name(LLM_TYPE_Q4_K), "Q4_K"));
    CHECK(llm_type_block_size(LLM_TYPE_Q6_K) == 256 && llm_type_size(LLM_TYPE_Q6_K) == 210);
    CHECK(llm_type_block_size(LLM_TYPE_Q5_0) == 32 && llm_type_size(LLM_TYPE_Q5_0) == 22);
    CHECK(llm_type_block_size(4) == 0);
    CHECK(llm_type_supported(LLM_TYPE_Q4_K) && !llm_type_supported(LLM_TYPE_IQ2_XXS));
}

static void test_file_errors(void)
{
    llm_gguf *g = NULL;
    CHECK(llm_gguf_open("/nonexistent/x.gguf", &g, err, sizeof err) == LLM_ERR_IO && strstr(err, "cannot open"));
    CHECK(llm_gguf_open("/tmp", &g, err, sizeof err) == LLM_ERR_IO);
    char path[] = "/tmp/so8t_test_gguf_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd >= 0) {
        close(fd);
        CHECK(llm_gguf_open(path, &g, err, sizeof err) == LLM_ERR_FORMAT && strstr(err, "empty"));
        bb x;
        valid_one(&x, 3);
        FILE *f = fopen(path, "wb");
        fwrite(x.b, 1, x.n, f);
        fclose(f);
        CHECK(llm_gguf_open(path, &g, err, sizeof err) == 0);
        llm_gguf_close(g);
        remove(path);
    }
}

int main(void)
{
    test_type_table();
    test_malformed();
    test_roundtrip(3, 32);
    test_roundtrip(2, 32);
    test_roundtrip(3, 64);
    test_file_errors();
    return test_summary();
}
