/* mf_internal.h — helpers shared by the Modelfile implementation files (not public). */
#ifndef SO8T_LLM_MF_INTERNAL_H
#define SO8T_LLM_MF_INTERNAL_H

#include <stddef.h>

/* malloc'd copy of n bytes of s, NUL-terminated; NULL when out of memory */
char *llm_mf_dup_n(const char *s, size_t n);
/* malloc'd printf; NULL when out of memory */
char *llm_mf_dup_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* grows a pointer array by one slot holding p; 0 or -1 */
int llm_mf_push_ptr(char ***arr, int *n, char *p);
/* a short, printable excerpt of a value for messages (hostile input: no control bytes) */
void llm_mf_excerpt(const char *s, char *buf, size_t cap);

#endif /* SO8T_LLM_MF_INTERNAL_H */
