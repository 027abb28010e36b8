/* mc_cpu_ref.c — one block evaluated with the plain cuRAND-model Philox state of
 * mc/philox.h (the default word source of mc/sample.h). Tests compare it with the fast
 * buffered generator of mc_cpu.c; any difference in the stream would show as different
 * counts or sums. */
#include "tests/support/mc_ref.h"

void mc_cpu_block_reference(const mc_plan *pl, uint64_t block, mc_block_acc *out)
{
    mc_block_eval(&pl->kp, (const uint32_t(*)[32])pl->sobol, block, out);
}

mc_options mc_test_options(mc_method m, mc_backend be, uint64_t samples, uint64_t seed)
{
    mc_options o;
    mc_options_default(&o);
    o.method = m;
    o.backend = be;
    o.samples = samples;
    o.seed = seed;
    return o;
}
