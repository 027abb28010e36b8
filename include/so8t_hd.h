/* so8t_hd.h — the one qualifier macro that makes a function both host and device.
 *
 * Per-sample math lives in headers that compile as C11 (gcc) and as CUDA (nvcc).
 * SO8T_HD marks those functions: `__host__ __device__ static inline` under nvcc,
 * `static inline` in C. Headers that use it hold no RNG state, I/O, allocation or
 * CUDA types, so the CPU tests exercise exactly the code the kernels run.
 * (Random123's R123_CUDA_DEVICE plays the same role.)
 */
#ifndef SO8T_HD_H
#define SO8T_HD_H

/* A CUDA file whose kernels feed these functions from device-only APIs (curand_init,
 * curand4) may define SO8T_HD as `__device__ static inline` before including. */
#ifndef SO8T_HD
#if defined(__CUDACC__)
#define SO8T_HD __host__ __device__ static inline
#else
#define SO8T_HD static inline
#endif
#endif

#endif /* SO8T_HD_H */
