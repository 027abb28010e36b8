#include "base/err.h" /* forwarding header: the error helper lives in base/ (llm/ still includes this name) */
