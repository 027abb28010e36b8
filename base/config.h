/* config.h — what depends on the compiler, decided once (the role of Random123's
 * features/compilerfeatures.h). Every host+device header includes this file and nothing
 * here depends on what was defined or included before it.
 *
 *   SO8T_HD            a per-sample math function: `__host__ __device__ static inline` under
 *                      nvcc, `static inline` in C. Such headers hold no RNG state, I/O,
 *                      allocation or CUDA types, so the CPU tests run exactly the code the
 *                      kernels run. A translation unit whose word source is device-only
 *                      (cuRAND's curand_init/curand4 in mc/mc_cuda.cu) is compiled with
 *                      -DSO8T_DEVICE_ONLY (a compiler flag, set in the Makefile): SO8T_HD is
 *                      then `__device__ static inline`.
 *   SO8T_HOST_DEVICE   host and device even there (plain arithmetic the host also calls).
 *   SO8T_UNROLL        full unrolling of a loop with a constant trip count, in the device
 *                      pass only (a host compiler would warn about the unknown pragma).
 *   SO8T_ALWAYS_INLINE GNU C on the host: inline into every caller, so a caller compiled
 *                      for a wider ISA (target_clones) vectorizes the callee too.
 */
#ifndef SO8T_BASE_CONFIG_H
#define SO8T_BASE_CONFIG_H

#ifdef SO8T_HD
#error "SO8T_HD is decided by base/config.h alone (use -DSO8T_DEVICE_ONLY for device-only code)"
#endif

#if defined(__CUDACC__) && defined(SO8T_DEVICE_ONLY)
#define SO8T_HD __device__ static inline
#define SO8T_HOST_DEVICE __host__ __device__ static inline
#elif defined(__CUDACC__)
#define SO8T_HD __host__ __device__ static inline
#define SO8T_HOST_DEVICE __host__ __device__ static inline
#else
#define SO8T_HD static inline
#define SO8T_HOST_DEVICE static inline
#endif

#if defined(__CUDA_ARCH__)
#define SO8T_UNROLL _Pragma("unroll")
#else
#define SO8T_UNROLL
#endif

#if defined(__GNUC__) && !defined(__CUDACC__)
#define SO8T_ALWAYS_INLINE __attribute__((always_inline))
#else
#define SO8T_ALWAYS_INLINE
#endif

#endif /* SO8T_BASE_CONFIG_H */
