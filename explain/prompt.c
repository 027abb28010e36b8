/* prompt.c — the model prompt (instruction or a Modelfile's SYSTEM/TEMPLATE, a worked
 * example with the target's fact names, the facts) in the model's chat style, and the
 * substitution of cited [fact names] in the model's answer. */
#include "explain/explain_internal.h"
#include "llm/llm.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The worked examples cite facts by name in brackets ("[estimate]"); the model does the
 * same and so8t puts the fact's value in. A small base model copies numbers badly but
 * names well, so this keeps every number exact; numbers it writes itself are still
 * checked. The example numbers are real: [-1, 1]^3 ∩ B(0, 1.2) has volume
 * π(4/3·1.2³ − 2·0.2²·3.4) = 6.3837163 (six caps cut off), 79.8% of the cube. */
static const char *const INSTRUCTION =
    "so8t results, each explained in 3 to 5 plain sentences. A fact is cited by its name in "
    "brackets, like [estimate].";

static const char *const EXAMPLE_ROTATIONS =
    "Facts:\n"
    "- task: 100,000 random rotations in 4 dimensions, SO(4)\n"
    "- orthogonality error: 8.9e-16\n"
    "- tests of uniformity: 4\n"
    "- tests passed: 4\n"
    "- worst deviation: 1.3\n"
    "Explanation: so8t drew [task]. Each one is a proper rotation up to rounding: its "
    "orthogonality error is at most [orthogonality error]. All [tests of uniformity] tests of "
    "uniformity passed, the worst [worst deviation] standard errors from its expected value. "
    "So the rotations treat every direction alike, as averaging over orientations "
    "requires.\n";

/* The worked example for a volume or exact result, built to have the same fact names
 * as the target (GPU run or not, exact value or not, agreeing or not, volume or surface,
 * corners or not), so that a copied sentence cites facts that exist and stays true.
 * Example numbers (d = 3, r = 1.2, six caps of height 0.2 cut off the ball):
 *   volume  π(4/3·1.2³ − 2·0.2²·3.4) = 6.3837163, 79.8% of the cube (8);
 *   surface 4π·1.2² − 6·2π·1.2·0.2 = 9.0477868, 50.0% of the sphere (18.095574);
 *   MC: 10^6 samples, se 0.0032 (volume) / 0.0027 (surface). */
static char *build_example(llm_result_kind k, const char *facts)
{
    int surface = strstr(facts, "- task: surface") || strstr(facts, "- task: exact surface");
    int gpu_lines = strstr(facts, "- GPU hits:") != NULL;
    int gpu_none = strstr(facts, "- GPU: not run") != NULL;
    int ident_no = strstr(facts, "- identical: no") != NULL;
    int exact = strstr(facts, "- exact value:") != NULL;
    int agree_no = strstr(facts, "- agrees: no") != NULL;
    int corner = strstr(facts, "- distance to a corner:") != NULL;
    int frac = strstr(facts, "- fraction of the") != NULL;
    int eb = strstr(facts, "- error bound:") != NULL;
    const char *what = surface ? "surface of the sphere of radius 1.2 inside the cube [-1, 1]^3"
                               : "volume of the cube [-1, 1]^3 inside the ball of radius 1.2";
    const char *fname = surface ? "fraction of the sphere inside the cube" : "fraction of the cube";
    so8t_strbuf b = {0};
    so8t_strbuf_add(&b, "Facts:\n");
    if (k == LLM_RESULT_EXACT) {
        so8t_strbuf_add(&b, "- task: exact %s\n- value: %s\n", what, surface ? "9.047786842" : "6.383716272");
        if (eb)
            so8t_strbuf_add(&b, "- error bound: 1.0e-12\n");
    } else {
        so8t_strbuf_add(&b, "- task: %s\n- samples: 1,000,000\n- estimate: %s\n", what,
               surface ? (agree_no ? "9.0712 ± 0.0027" : "9.0495 ± 0.0027")
                       : (agree_no ? "6.4125 ± 0.0032" : "6.3860 ± 0.0032"));
        if (gpu_lines)
            so8t_strbuf_add(&b, "- GPU hits: %s\n- CPU hits: 798,248\n- identical: %s\n",
                   ident_no ? "798,311" : "798,248", ident_no ? "no" : "yes");
        else if (gpu_none)
            so8t_strbuf_add(&b, "- GPU: not run\n");
        if (exact)
            so8t_strbuf_add(&b, "- exact value: %s\n- standard errors away: %s\n- agrees: %s\n",
                   surface ? "9.0477868" : "6.3837163",
                   surface ? (agree_no ? "8.7" : "0.63") : (agree_no ? "9.0" : "0.71"),
                   agree_no ? "no" : "yes");
    }
    if (frac)
        so8t_strbuf_add(&b, "- %s: %s\n", fname, surface ? "50.0%" : "79.8%");
    if (corner)
        so8t_strbuf_add(&b, "- distance to a face: 1\n- distance to a corner: 1.73\n");
    so8t_strbuf_add(&b, "Explanation:");
    if (k == LLM_RESULT_EXACT) {
        so8t_strbuf_add(&b, " so8t computed the [task] without random numbers: it is [value]%s.",
               eb ? ", with an error bound of [error bound]" : "");
        so8t_strbuf_add(&b, " This reference value has no statistical uncertainty, so Monte Carlo runs "
                   "are checked against it.");
    } else {
        so8t_strbuf_add(&b, " With [samples] random points, so8t estimated the [task] as [estimate].");
        if (gpu_lines && !ident_no)
            so8t_strbuf_add(&b, " The GPU and the CPU counted the same [GPU hits] hits, as they must "
                       "with one seed.");
        else if (gpu_lines)
            so8t_strbuf_add(&b, " The GPU counted [GPU hits] hits but the CPU [CPU hits]: the counts "
                       "differ, which with one seed means a bug in one backend.");
        else if (gpu_none)
            so8t_strbuf_add(&b, " There was no GPU, so the CPU computed it alone.");
        if (exact && !agree_no)
            so8t_strbuf_add(&b, " The exact value [exact value] is only [standard errors away] standard "
                       "errors away, so the estimate agrees with it.");
        else if (exact)
            so8t_strbuf_add(&b, " The exact value [exact value] is [standard errors away] standard errors "
                       "away, far more than chance allows, so the estimate does not agree with "
                       "it.");
    }
    if (frac && surface)
        so8t_strbuf_add(&b, " Only [%s] of the sphere lies inside the cube%s", fname,
               corner ? ": it pokes out through the faces at distance [distance to a face] but "
                        "stays short of the corners at distance [distance to a corner]."
                      : ".");
    else if (frac)
        so8t_strbuf_add(&b, " The overlap fills [%s] of the cube%s", fname,
               corner ? ": the ball pokes out through the faces at distance [distance to a "
                        "face] but misses the corners at distance [distance to a corner]."
                      : ".");
    so8t_strbuf_add(&b, "\n");
    return so8t_strbuf_take(&b);
}

/* The worked example for a verify result, with the same GPU facts as the target. */
static char *build_verify_example(const char *facts)
{
    int gpu = strstr(facts, "- identical GPU and CPU counts:") != NULL;
    so8t_strbuf b = {0};
    so8t_strbuf_add(&b, "Facts:\n- task: so8t verify, checks of GPU, CPU and exact values\n- cases: 12\n"
               "- agreeing with the exact value: 12 of 12\n- largest standard errors away: "
               "2.9\n%s- passed: yes\n",
           gpu ? "- identical GPU and CPU counts: 12 of 12\n" : "- GPU: not run\n");
    so8t_strbuf_add(&b, "Explanation: so8t ran [cases] verification cases. In [agreeing with the exact "
               "value] cases the estimate agrees with the exact value, the worst being [largest "
               "standard errors away] standard errors away. %s\n",
           gpu ? "The GPU and the CPU counts were identical in [identical GPU and CPU counts] "
                 "cases, as one seed requires."
               : "There was no GPU, so only the CPU was checked.");
    return so8t_strbuf_take(&b);
}

/* Lower-case word w (n bytes) without a plural 's', for comparing names. */
static size_t word_stem(const char *w, size_t n, char *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < cap; i++)
        out[k++] = (char)tolower((unsigned char)w[i]);
    if (k > 3 && out[k - 1] == 's')
        k--;
    out[k] = '\0';
    return k;
}

/* 1 when the fact name (nl bytes) contains the stem as a word. */
static int name_has_stem(const char *name, size_t nl, const char *stem)
{
    size_t i = 0;
    while (i < nl) {
        while (i < nl && !isalpha((unsigned char)name[i]))
            i++;
        size_t b = i;
        while (i < nl && isalpha((unsigned char)name[i]))
            i++;
        char w[64];
        if (i > b && word_stem(name + b, i - b, w, sizeof w) && !strcmp(w, stem))
            return 1;
    }
    return 0;
}

/* A citation is misattributed when the words just before it, in the same clause, name
 * another fact: "the largest orthogonality error is [largest standard errors away]".
 * Only words of 5+ letters count. Writes the distinctive word into `word`. */
static int citation_misattributed(const char *clause, size_t cl, const char *name, size_t nl,
                                  const char *facts, char *word, size_t wcap)
{
    size_t i = 0;
    while (i < cl) {
        while (i < cl && !isalpha((unsigned char)clause[i]))
            i++;
        size_t b = i;
        while (i < cl && isalpha((unsigned char)clause[i]))
            i++;
        char stem[64];
        if (i - b < 5 || word_stem(clause + b, i - b, stem, sizeof stem) < 5)
            continue;
        if (name_has_stem(name, nl, stem))
            continue;
        /* does another fact's name have it? */
        for (const char *f = facts; f && *f;) {
            const char *eol = strchr(f, '\n');
            const char *colon = strstr(f, ": ");
            if (f[0] == '-' && f[1] == ' ' && colon && (!eol || colon < eol) &&
                name_has_stem(f + 2, (size_t)(colon - f - 2), stem)) {
                snprintf(word, wcap, "%.*s", (int)(i - b), clause + b);
                return 1;
            }
            f = eol ? eol + 1 : NULL;
        }
    }
    return 0;
}

/* Replaces every [name] that names a fact ("- name: value" line) with its value. A
 * bracket that looks like a name (letters, spaces, '-', '|') but names no fact is an
 * error (*bad gets it); other brackets ("[-1, 1]^8") stay as written. Returns a malloc'd
 * text or NULL when out of memory. */
char *explain_facts_substitute(const char *text, const char *facts, char *bad, size_t badlen)
{
    so8t_strbuf o = {0};
    so8t_strbuf_add(&o, "%s", "");
    if (bad && badlen)
        bad[0] = '\0';
    const char *p = text;
    while (*p) {
        const char *lb = strchr(p, '[');
        const char *rb = lb ? strchr(lb + 1, ']') : NULL;
        if (!lb || !rb || rb - lb > 60) {
            if (lb && (!rb || rb - lb > 60)) {
                so8t_strbuf_add(&o, "%.*s", (int)(lb + 1 - p), p);
                p = lb + 1;
                continue;
            }
            so8t_strbuf_add(&o, "%s", p);
            break;
        }
        so8t_strbuf_add(&o, "%.*s", (int)(lb - p), p);
        size_t nl = (size_t)(rb - lb - 1);
        const char *name = lb + 1;
        int wordy = nl > 0;
        for (size_t i = 0; i < nl; i++)
            if (!isalpha((unsigned char)name[i]) && name[i] != ' ' && name[i] != '-' &&
                name[i] != '|')
                wordy = 0;
        const char *val = NULL;
        size_t vl = 0;
        if (wordy) {
            /* find "\n- name: " (or at the start) */
            for (const char *f = facts; f && *f;) {
                const char *eol = strchr(f, '\n');
                size_t ll = eol ? (size_t)(eol - f) : strlen(f);
                if (ll > nl + 4 && f[0] == '-' && f[1] == ' ' &&
                    !strncasecmp(f + 2, name, nl) && f[2 + nl] == ':' && f[3 + nl] == ' ') {
                    val = f + 4 + nl;
                    vl = ll - 4 - nl;
                    break;
                }
                f = eol ? eol + 1 : NULL;
            }
        }
        if (val) {
            /* the words before it in its clause (back to a punctuation mark or the previous
             * citation) must not name a different fact */
            const char *cb = lb;
            while (cb > p && !strchr(".,;:!?", cb[-1]))
                cb--;
            char w[64];
            if (bad && badlen && !bad[0] &&
                citation_misattributed(cb, (size_t)(lb - cb), name, nl, facts, w, sizeof w))
                snprintf(bad, badlen, "cites [%.*s] right after '%s', which names another fact",
                         (int)(nl < 60 ? nl : 60), name, w);
            so8t_strbuf_add(&o, "%.*s", (int)vl, val);
        } else {
            if (wordy && bad && badlen && !bad[0])
                snprintf(bad, badlen, "cites [%.*s], which is not a fact of this result",
                         (int)(nl < 60 ? nl : 60), name);
            so8t_strbuf_add(&o, "%.*s", (int)(rb + 1 - lb), lb);
        }
        p = rb + 1;
    }
    return so8t_strbuf_take(&o);
}


static char *build_prompt_with(explain_prompt_style style, const llm_chat_format *chat,
                               const llm_modelfile *mf, const char *ex, const char *facts);

char *explain_prompt_build(explain_prompt_style style, const llm_chat_format *chat, const llm_modelfile *mf, llm_result_kind kind,
                          const char *facts)
{
    char *ex = kind == LLM_RESULT_ROTATIONS ? so8t_strdup(EXAMPLE_ROTATIONS)
               : kind == LLM_RESULT_VERIFY  ? build_verify_example(facts)
                                            : build_example(kind, facts);
    if (!ex)
        return NULL;
    char *r = build_prompt_with(style, chat, mf, ex, facts);
    free(ex);
    return r;
}

static char *build_prompt_with(explain_prompt_style style, const llm_chat_format *chat,
                               const llm_modelfile *mf, const char *ex, const char *facts)
{
    so8t_strbuf b = {0};
    const char *system = mf && mf->system ? mf->system : INSTRUCTION;
    if (style == EXPLAIN_STYLE_COMPLETION) {
        so8t_strbuf_add(&b, "%s\n\n%s\nFacts:\n%sExplanation:", system, ex, facts);
        return so8t_strbuf_take(&b);
    }
    /* Chat styles: the worked example goes in the user turn, then the facts. */
    so8t_strbuf u = {0};
    so8t_strbuf_add(&u, "Explain this so8t result in 3 to 5 sentences. Cite each number by its fact "
               "name in brackets, like [estimate], and write no other numbers.\n\nHere is an "
               "example.\n%s\nNow the result to explain.\nFacts:\n%sExplanation:",
           ex, facts);
    char *user = so8t_strbuf_take(&u);
    if (!user)
        return NULL;
    if (style == EXPLAIN_STYLE_MODELFILE) {
        char *out = NULL;
        char terr[256];
        if (llm_template_render(mf->template_text, system, user, NULL, 1, &out, terr,
                                sizeof terr)) {
            free(user);
            return NULL;
        }
        free(user);
        return out;
    }
    /* The model's own chat format: SYSTEM, the Modelfile's MESSAGE turns, then the request. */
    int n_msgs = mf ? mf->n_messages : 0;
    llm_chat_message *msgs = calloc((size_t)n_msgs + 2, sizeof *msgs);
    char *out = NULL;
    if (msgs) {
        int k = 0;
        msgs[k++] = (llm_chat_message){"system", system};
        for (int i = 0; i < n_msgs; i++)
            msgs[k++] = (llm_chat_message){mf->messages[i].role, mf->messages[i].content};
        msgs[k++] = (llm_chat_message){"user", user};
        char cerr[256];
        if (llm_chat_render(chat, msgs, k, 1, &out, cerr, sizeof cerr))
            out = NULL;
        free(msgs);
    }
    free(user);
    free(b.p);
    return out;
}
