/* gpu_nocuda.c — the device table of a build without CUDA (CUDA=0): none, so
 * gpu_backend.c reports "built without CUDA", llm_model_offload offloads 0 layers with that
 * reason and the CPU runs the model. */
#include "llm/gpu/gpu_int.h"

const llm_gpu_ops *llm_gpu_builtin_ops(void) { return NULL; }
