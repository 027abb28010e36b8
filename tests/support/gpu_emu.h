/* gpu_emu.h — a host emulation of the runner's GPU device table (llm/gpu/gpu_int.h), for
 * CPU tests of everything above the kernels: offload sizing, the upload, the layer sequence
 * (gpu_backend.c) and forward.c's hand-over. Memory is malloc'd; the kernels are the
 * contracts of gpu_int.h computed serially with the same SO8T_HD headers the CUDA kernels
 * include (the product through matmul_hd.h's 32 lanes and the butterfly, as the kernel sums). */
#ifndef SO8T_TESTS_GPU_EMU_H
#define SO8T_TESTS_GPU_EMU_H

#include "llm/gpu/gpu_int.h"

extern const llm_gpu_ops gpu_emu_ops;

/* what the probe reports as free device memory (default 8 GiB) */
void gpu_emu_set_free(uint64_t bytes);
/* the n-th allocation from now fails as an out-of-memory would (-1: never) */
void gpu_emu_fail_alloc_at(int n);
/* device bytes allocated and not yet released */
uint64_t gpu_emu_bytes_held(void);
/* One row of the matmul kernel, emulated: 32 lanes (matmul_hd.h), then s += shfl_xor(s, o)
 * for o = 16 .. 1; lane 0's value for each of the nb (<= LLM_HD_MM_MAXB) columns of X. */
void gpu_emu_mm_row(int type, const uint8_t *row, int ne0, const float *X, int nb, float *out);

#endif
