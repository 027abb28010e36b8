/* gpu_philox.c — cuRAND's device stream (a kernel with curandStatePhilox4_32_10_t) against
 * mc/philox.h: words and uniforms bit for bit, cuRAND's normals within the stated bound
 * (they use __sincosf/logf/sincospi), and mc/normal.h's normals bit-identical when
 * computed on the device. Prints "SKIP: no CUDA device" where there is none (after
 * checking that the probe reports that cleanly). */
#include "mc/mc.h"
#include "mc/mc_internal.h"
#include "tests/support/mc_ref.h"
#include "mc/normal.h"
#include "mc/philox.h"
#include "tests/test.h"

#include <stdlib.h>
#include <string.h>

#define N 4096

int main(void)
{
    static uint32_t words[N];
    static float unif[N], norm[N];
    static double unif2[N], normd[N], exact[N];
    mc_philox_probe pr = {words, unif, unif2, norm, normd, exact};
    char err[256] = "";
    if (mc_cuda_device_count() == 0) {
        CHECK(mc_philox_probe_cuda(0, 0, 0, 8, &pr, err, sizeof err) != MC_OK && err[0]);
        printf("SKIP: no CUDA device (%s)\n", err);
        return test_summary();
    }
    /* the triples of the project notes on cuRAND (philox_curand.md §8, not in this repository) and a few more */
    const uint64_t trip[][3] = {{0, 0, 0},   {1234, 0, 0},        {0x123456789ABCDEF0ull, 3, 10},
                                {7, 1, 1},   {42, 1000000, 4097}, {0xffffffffffffffffull, 5, 3}};
    double max_nf = 0, max_nd = 0;
    for (size_t t = 0; t < sizeof trip / sizeof trip[0]; t++) {
        int st = mc_philox_probe_cuda(trip[t][0], trip[t][1], trip[t][2], N, &pr, err, sizeof err);
        CHECK_MSG(st == MC_OK, "probe: %s", err);
        if (st)
            continue;
        mc_philox_state s;
        long bad_w = 0, bad_u = 0, bad_u2 = 0, bad_x = 0;
        mc_philox_init(trip[t][0], trip[t][1], trip[t][2], &s);
        for (int i = 0; i < N; i++)
            bad_w += mc_philox_next(&s) != words[i];
        mc_philox_init(trip[t][0], trip[t][1], trip[t][2], &s);
        for (int i = 0; i < N; i++)
            bad_u += memcmp(&(float){mc_philox_uniform(&s)}, &unif[i], 4) != 0;
        mc_philox_init(trip[t][0], trip[t][1], trip[t][2], &s);
        for (int i = 0; i < N; i += 2) {
            double u[2];
            mc_philox_uniform2_double(&s, u);
            bad_u2 += (u[0] != unif2[i]) + (u[1] != unif2[i + 1]);
        }
        mc_philox_init(trip[t][0], trip[t][1], trip[t][2], &s);
        for (int i = 0; i < N; i++)
            max_nf = fmax(max_nf, fabs(mc_philox_normal(&s) - norm[i]));
        mc_philox_init(trip[t][0], trip[t][1], trip[t][2], &s);
        for (int i = 0; i < N; i++)
            max_nd = fmax(max_nd, fabs(mc_philox_normal_double(&s) - normd[i]));
        mc_philox_init(trip[t][0], trip[t][1], trip[t][2], &s);
        for (int i = 0; i < N; i += 2) {
            double z[2];
            mc_normal2_exact(&s, z);
            bad_x += memcmp(z, exact + i, sizeof z) != 0;
        }
        CHECK_MSG(bad_w == 0, "triple %zu: %ld words differ", t, bad_w);
        CHECK_MSG(bad_u == 0, "triple %zu: %ld uniforms differ", t, bad_u);
        CHECK_MSG(bad_u2 == 0, "triple %zu: %ld uniform2_double differ", t, bad_u2);
        CHECK_MSG(bad_x == 0, "triple %zu: %ld exact-normal pairs differ", t, bad_x);
        if (t == 0) /* the notes' first words, straight from the device */
            CHECK(words[0] == 0x6627e8d5u && words[4] == 0xf8e4cca4u);
    }
    printf("device normals vs host: float max |diff| %.3g, double max |diff| %.3g\n", max_nf,
           max_nd);
    CHECK(max_nf < 1e-5);  /* __sincosf on (0, 2π] and logf: a few float ulp of |z| < 7 */
    CHECK(max_nd < 1e-13); /* sincospi/log: a few double ulp */
    return test_summary();
}
