/* llm.h — the so8t GGUF language-model runner (prefix llm_).
 *
 * What is here:
 *   - a hardened GGUF v2/v3 reader (mmap; every size, count and offset validated before use)
 *     and a small GGUF writer (tests build fixtures with it);             llm/gguf/gguf.c
 *   - the tensor types (one traits table), dequantization, activation quantization and dot
 *     products per ISA for 15 types (F32 .. IQ4_XS, see docs/llm.md); llm/quant/
 *   - the forward pass of gemma3, llama, qwen2, qwen2vl (text), qwen3, phi3 from one
 *     architecture table (llm/model/arch_table.c); SentencePiece tokenizer; sampler ...
 *
 * GGUF layout (little-endian, no padding between fields):
 *   "GGUF" u32 version (2 or 3) | i64 n_tensors | i64 n_kv
 *   n_kv × { string key | i32 type | value }         string = u64 length + bytes (no NUL)
 *        value: scalar of its type; STRING; ARRAY = i32 elem type, u64 count, elements
 *   n_tensors × { string name (< 64 bytes) | u32 n_dims (<= 4) | i64 ne[n_dims] | i32 ggml type | u64 offset }
 *   zero padding to general.alignment (u32 power of two, default 32) | tensor data
 *   Tensor offsets are relative to the data section, in file order, each padded to the alignment.
 *
 * Errors: functions return 0 (LLM_OK) or a negative llm_status and write a message into the
 * caller's err buffer (never a global). Outputs belong to the caller; *_free accept NULL.
 */
#ifndef SO8T_LLM_H
#define SO8T_LLM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    LLM_OK = 0,
    LLM_ERR_INVAL = -1,       /* bad argument */
    LLM_ERR_IO = -2,          /* cannot open / map / write a file */
    LLM_ERR_FORMAT = -3,      /* malformed GGUF or model */
    LLM_ERR_UNSUPPORTED = -4, /* valid, but not something this runner implements */
    LLM_ERR_NOMEM = -5,
    LLM_ERR_CTX = -6          /* the context (num_ctx) is full or too small for the prompt */
} llm_status;

const char *llm_strerror(int status);

/* ------------------------------------------------------------------------------------------
 * GGUF reader
 * ------------------------------------------------------------------------------------------ */

typedef enum {
    LLM_GGUF_UINT8 = 0, LLM_GGUF_INT8 = 1, LLM_GGUF_UINT16 = 2, LLM_GGUF_INT16 = 3,
    LLM_GGUF_UINT32 = 4, LLM_GGUF_INT32 = 5, LLM_GGUF_FLOAT32 = 6, LLM_GGUF_BOOL = 7,
    LLM_GGUF_STRING = 8, LLM_GGUF_ARRAY = 9, LLM_GGUF_UINT64 = 10, LLM_GGUF_INT64 = 11,
    LLM_GGUF_FLOAT64 = 12, LLM_GGUF_TYPE_COUNT = 13
} llm_gguf_type;

/* ggml tensor types (ids as stored in GGUF). */
enum {
    LLM_TYPE_F32 = 0, LLM_TYPE_F16 = 1, LLM_TYPE_Q4_0 = 2, LLM_TYPE_Q4_1 = 3, LLM_TYPE_Q5_0 = 6,
    LLM_TYPE_Q5_1 = 7, LLM_TYPE_Q8_0 = 8, LLM_TYPE_Q8_1 = 9, LLM_TYPE_Q2_K = 10,
    LLM_TYPE_Q3_K = 11, LLM_TYPE_Q4_K = 12, LLM_TYPE_Q5_K = 13, LLM_TYPE_Q6_K = 14,
    LLM_TYPE_Q8_K = 15, LLM_TYPE_IQ2_XXS = 16, LLM_TYPE_IQ4_NL = 20, LLM_TYPE_IQ4_XS = 23,
    LLM_TYPE_BF16 = 30, LLM_TYPE_COUNT = 40
};

#define LLM_GGUF_MAX_NAME 64     /* tensor names are shorter than this */
#define LLM_GGUF_MAX_DIMS 4
#define LLM_GGUF_MAX_ALIGNMENT (1u << 20)

typedef struct llm_gguf llm_gguf; /* opaque: a validated, mapped GGUF file */

typedef struct {
    const char *key;        /* NUL-terminated copy */
    int type;               /* llm_gguf_type */
    int arr_type;           /* element type when type == ARRAY */
    uint64_t arr_n;         /* element count when type == ARRAY */
    uint64_t offset;        /* byte offset of the key in the file */
} llm_gguf_kv_info;

typedef struct {
    const char *name;       /* NUL-terminated */
    int type;               /* ggml type id */
    int n_dims;
    int64_t ne[LLM_GGUF_MAX_DIMS]; /* ne[0] innermost; unused dims are 1 */
    uint64_t offset;        /* relative to the data section */
    uint64_t nbytes;
    const void *data;       /* view into the mapping */
} llm_gguf_tensor_info;

/* Maps and validates `path`. On error returns a negative status with a message naming the
 * field and its byte offset; *out is NULL. Free with llm_gguf_close. */
int llm_gguf_open(const char *path, llm_gguf **out, char *err, size_t errlen);
/* Parses a GGUF image already in memory (not copied: `data` must outlive the handle). */
int llm_gguf_open_memory(const void *data, size_t size, llm_gguf **out, char *err, size_t errlen);
void llm_gguf_close(llm_gguf *g);

uint32_t llm_gguf_version(const llm_gguf *g);
uint64_t llm_gguf_file_size(const llm_gguf *g);
uint32_t llm_gguf_alignment(const llm_gguf *g);
uint64_t llm_gguf_data_offset(const llm_gguf *g);
int64_t llm_gguf_n_kv(const llm_gguf *g);
int64_t llm_gguf_n_tensors(const llm_gguf *g);
int llm_gguf_kv(const llm_gguf *g, int64_t i, llm_gguf_kv_info *out);
int llm_gguf_tensor(const llm_gguf *g, int64_t i, llm_gguf_tensor_info *out);
int64_t llm_gguf_find_key(const llm_gguf *g, const char *key);     /* -1 if absent */
int64_t llm_gguf_find_tensor(const llm_gguf *g, const char *name); /* -1 if absent */

/* Typed getters: LLM_OK, or LLM_ERR_FORMAT when the key is absent or of another type
 * (the message says which). get_uint accepts any unsigned/signed integer type >= 0. */
int llm_gguf_get_uint(const llm_gguf *g, const char *key, uint64_t *out, char *err, size_t errlen);
int llm_gguf_get_float(const llm_gguf *g, const char *key, double *out, char *err, size_t errlen);
int llm_gguf_get_bool(const llm_gguf *g, const char *key, int *out, char *err, size_t errlen);
/* String value as a view (not NUL-terminated) into the mapping. */
int llm_gguf_get_str(const llm_gguf *g, const char *key, const char **s, uint64_t *len,
                     char *err, size_t errlen);
/* The raw encoding of entry i's value (for a STRING: the u64 length then the bytes; for an
 * ARRAY: element type, count, elements), as a view into the mapping. */
int llm_gguf_kv_raw(const llm_gguf *g, int64_t i, const void **data, uint64_t *size);
/* Array element access (no copies). Index and element type must match. */
int llm_gguf_arr_str(const llm_gguf *g, int64_t kv, uint64_t i, const char **s, uint64_t *len);
const void *llm_gguf_arr_data(const llm_gguf *g, int64_t kv); /* numeric arrays: raw LE data */

/* Type table. Names for every known id ("F32", "Q4_K", ...; "type<N>" if unknown). */
const char *llm_type_name(int type);
const char *llm_gguf_type_name(int type);
int llm_type_block_size(int type); /* 0 if unknown / removed */
int llm_type_size(int type);       /* bytes per block, 0 if unknown */
int llm_type_supported(int type);  /* 1 if llm/quant/ implements it */

/* ------------------------------------------------------------------------------------------
 * GGUF writer (for tests and fixtures). Keeps everything in memory until llm_gguf_writer_save.
 * ------------------------------------------------------------------------------------------ */
typedef struct llm_gguf_writer llm_gguf_writer;

llm_gguf_writer *llm_gguf_writer_new(uint32_t version, uint32_t alignment);
void llm_gguf_writer_free(llm_gguf_writer *w);
int llm_gguf_writer_add_u32(llm_gguf_writer *w, const char *key, uint32_t v);
int llm_gguf_writer_add_i32(llm_gguf_writer *w, const char *key, int32_t v);
int llm_gguf_writer_add_u64(llm_gguf_writer *w, const char *key, uint64_t v);
int llm_gguf_writer_add_f32(llm_gguf_writer *w, const char *key, float v);
int llm_gguf_writer_add_bool(llm_gguf_writer *w, const char *key, int v);
int llm_gguf_writer_add_str(llm_gguf_writer *w, const char *key, const char *v);
/* A scalar of any fixed-size type, raw little-endian bytes (size must match the type). */
int llm_gguf_writer_add_raw(llm_gguf_writer *w, const char *key, int type, const void *v);
/* Any value given as its raw GGUF encoding (copied as is; used to copy entries and to build
 * malformed files in tests). */
int llm_gguf_writer_add_encoded(llm_gguf_writer *w, const char *key, int type, const void *enc,
                                size_t size);
/* Numeric array: n elements of elem_type, raw LE data. */
int llm_gguf_writer_add_arr(llm_gguf_writer *w, const char *key, int elem_type, const void *data,
                            uint64_t n);
int llm_gguf_writer_add_arr_str(llm_gguf_writer *w, const char *key, const char *const *v,
                                uint64_t n);
/* A tensor: data must hold the exact byte size of (type, ne); it is copied. */
int llm_gguf_writer_add_tensor(llm_gguf_writer *w, const char *name, int type, int n_dims,
                               const int64_t *ne, const void *data);
/* Serializes into a malloc'd buffer (caller frees) or writes a file. */
int llm_gguf_writer_to_memory(const llm_gguf_writer *w, uint8_t **out, size_t *size);
int llm_gguf_writer_save(const llm_gguf_writer *w, const char *path, char *err, size_t errlen);

/* ------------------------------------------------------------------------------------------
 * Model and generation
 * ------------------------------------------------------------------------------------------ */

typedef struct llm_model llm_model; /* opaque: mmapped GGUF + weight views + tokenizer */

typedef struct {
    int num_ctx;            /* context length in tokens (prompt + generated) */
    int num_thread;         /* OpenMP threads; <= 0: llm_default_threads() */
    uint64_t seed;
    int num_predict;        /* max generated tokens; -1: until EOS or the context is full */
    int top_k;              /* <= 0: off */
    float top_p;            /* >= 1: off */
    float min_p;            /* <= 0: off */
    float typical_p;        /* >= 1: off */
    int repeat_last_n;      /* 0: off, -1: num_ctx */
    float temperature;      /* <= 0: greedy (seed ignored) */
    float repeat_penalty;   /* 1: off */
    float presence_penalty;
    float frequency_penalty;
    int mirostat;           /* 0 off, 1 v1, 2 v2 */
    float mirostat_tau;
    float mirostat_eta;
    const char *const *stop; /* stop strings (matched on text, never emitted) */
    int n_stop;
} llm_params;

/* Ollama-like defaults: temperature 0.8, top_k 40, top_p 0.9, min_p 0, typical_p 1,
 * repeat_last_n 64, repeat_penalty 1.1, num_ctx 2048, num_predict -1, mirostat 0 (tau 5,
 * eta 0.1), seed from the clock. */
void llm_params_default(llm_params *p);

/* One thread per idle core: the processor count minus the 1-minute load average, at least 1. */
int llm_default_threads(void);

/* Loads a model: validates the GGUF, the architecture (llm_architectures()), every
 * hyperparameter against the architecture and the tensors present, every tensor's presence,
 * type, shape and finite scales (a tensor the architecture does not use is refused too) and
 * the tokenizer. num_ctx <= 0 means 2048; it is clamped to the model's trained context. */
int llm_model_load(const char *path, int num_ctx, llm_model **out, char *err, size_t errlen);
/* The same checks without keeping the model (for `so8t info`): LLM_OK when the file would
 * load; LLM_ERR_UNSUPPORTED for a valid file this runner cannot run; LLM_ERR_FORMAT when the
 * metadata and tensors are inconsistent. The message names the offending value. */
int llm_model_check(const char *path, char *err, size_t errlen);
/* Where the weights live (Ollama's use_mmap / use_mlock; call after llm_model_load):
 * use_mmap = 1 (the default) keeps them as views of the file's read-only mapping (no copy);
 * 0 copies them into private memory, after which the file is no longer read. use_mlock = 1
 * locks them in RAM (mlock); when the system refuses (RLIMIT_MEMLOCK), the message says so
 * and the model stays usable, unlocked. LLM_OK or a negative status. */
int llm_model_set_memory(llm_model *m, int use_mmap, int use_mlock, char *err, size_t errlen);
/* 1 while the weights are views of the file's mapping, 0 after use_mmap = 0. */
int llm_model_weights_mapped(const llm_model *m);
/* GPU offload (Ollama's num_gpu / main_gpu; llm/gpu/). Call after llm_model_load (and after
 * llm_model_set_memory: the upload reads the weights once, from wherever they live).
 * num_gpu > 0 puts the first num_gpu layers (clamped to the layer count) on CUDA device
 * main_gpu; the output table goes with the last layer (on the GPU only when every layer is);
 * -1 puts as many as fit in the device's free memory; 0 runs everything on the CPU. Layers
 * not offloaded run on the CPU. Without a CUDA device, or in a CUDA=0 build, the call is
 * LLM_OK with 0 layers offloaded and llm_gpu_status.note saying why: never an error.
 * A positive num_gpu that does not fit: LLM_ERR_NOMEM, the message giving the bytes needed
 * and free and the largest num_gpu that fits. A CUDA failure names the CUDA call. Calling
 * it again replaces the previous offload (num_gpu 0 releases the device memory).
 * Numerics: the device computes LLM_NUMERICS_EXACT (float dots of dequantized weights, no
 * llama.cpp order), and while any layer is offloaded the CPU's layers do too, so the tokens
 * to compare with are those of the CPU with LLM_NUMERICS_EXACT (`so8t run --exact`). */
int llm_model_offload(llm_model *m, int num_gpu, int main_gpu, char *err, size_t errlen);

typedef struct {
    int gpu_layers;          /* layers that run on the GPU (0 without one) */
    int n_layer;             /* the model's layer count */
    int output_on_gpu;       /* 1 when the output table (logits) runs on the GPU */
    int device;              /* CUDA device index, -1 when none is used */
    char device_name[96];    /* "" when none */
    uint64_t device_bytes;   /* device memory the model holds: weights, KV cache, buffers */
    uint64_t device_free;    /* free device memory before the offload (0 when none) */
    uint64_t device_total;
    char note[256];          /* why fewer layers than asked ran on the GPU; "" when none */
} llm_gpu_status;

/* Where the layers run now (a model never offloaded: 0 layers, device -1, empty note). */
void llm_model_gpu_status(const llm_model *m, llm_gpu_status *out);

/* What the device main_gpu offers, for `so8t info` without loading a model: 1 and the
 * name/memory when a CUDA device is there; 0 and a reason in note otherwise. */
int llm_gpu_probe(int main_gpu, llm_gpu_status *out);

/* The architectures the runner supports, e.g. "gemma3, llama, qwen2, ..." (static). */
const char *llm_architectures(void);
void llm_model_free(llm_model *m);
const char *llm_model_chat_template(const llm_model *m); /* NULL if none (NUL-terminated copy) */
const char *llm_model_arch(const llm_model *m);
int llm_model_n_vocab(const llm_model *m);
int llm_model_n_ctx(const llm_model *m);
const llm_gguf *llm_model_gguf(const llm_model *m);

/* Numerics: LLM_NUMERICS_LLAMACPP (default) reproduces llama.cpp's x86 CPU backend
 * operation by operation (8-bit activation quantization, its summation orders, f16 KV cache,
 * queries and attention weights, fp16 GELU table, its RoPE and softmax exp): logits
 * bit-identical to llama.cpp's on the default model (docs/llm.md, "Numerics");
 * LLM_NUMERICS_EXACT computes every dot product in float from dequantized weights with
 * float GELU, pow-based RoPE and no f16 rounding (used by the float64 reference tests). */
enum { LLM_NUMERICS_LLAMACPP = 0, LLM_NUMERICS_EXACT = 1 };
void llm_model_set_numerics(llm_model *m, int mode);

/* Tokenizer. Returns the number of tokens (may exceed max: then call again with more room),
 * or a negative status. add_bos: 1 add, 0 don't, -1 per metadata. parse_special: split out
 * control tokens written as text ("<start_of_turn>"). */
int llm_tokenize(const llm_model *m, const char *text, int add_bos, int parse_special,
                 int *tokens, int max_tokens);
/* The text of one token (control tokens give "" unless special). Returns bytes written
 * (without NUL) or a negative status; buf is always NUL-terminated when len > 0. */
int llm_token_to_piece(const llm_model *m, int token, int special, char *buf, size_t len);
const char *llm_token_text(const llm_model *m, int token); /* the raw vocabulary string */
int llm_token_is_eog(const llm_model *m, int token);
int llm_token_bos(const llm_model *m);
/* A note from loading the tokenizer for the user (e.g. "no tokenizer.ggml.pre: using the
 * default pre-tokenizer"); "" when there is none. */
const char *llm_model_tokenizer_warning(const llm_model *m);

/* Low level: run the model over n tokens starting at position pos (KV cache positions
 * [0, pos) must already hold the earlier tokens); when logits != NULL, writes the n_vocab
 * logits of the last token. Resets the cache when pos == 0. */
int llm_model_eval(llm_model *m, const int *tokens, int n, int pos, float *logits, char *err,
                   size_t errlen);

/* Generate: tokenizes prompt (with BOS per metadata), streams text pieces through on_text
 * (may be NULL), fills the generated text (caller frees with llm_generation_free), token ids
 * and counts. */
typedef int (*llm_text_cb)(const char *piece, void *user); /* return non-zero to stop */
typedef struct {
    char *text;
    int *tokens;
    int n_tokens;
    int prompt_tokens;
    double load_seconds, prompt_tokens_per_second, generated_tokens_per_second;
    const char *stop_reason; /* "stop" (EOS / stop string / callback) or "length" */
} llm_generation;
int llm_generate(llm_model *m, const char *prompt, const llm_params *p, llm_text_cb on_text,
                 void *user, llm_generation *out, char *err, size_t errlen);
void llm_generation_free(llm_generation *g);

#ifdef __cplusplus
}
#endif

#endif /* SO8T_LLM_H */
