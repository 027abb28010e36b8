#include "base/threads.h" /* forwarding header: the thread cap lives in base/ (llm/ still includes this name) */
