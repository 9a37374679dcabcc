# gpu/gpu.mk — the CUDA library of chapter 13 (included by the Makefile).
#
#   make gpu          build the library: $(B)/gpu/ref/libnngpu.a, with nvcc when it is found,
#                     else the no-GPU fallback (gpu/nogpu.c), which reports "no CUDA GPU" clearly
#   make gpu-check    on a machine with an NVIDIA GPU: build everything, run chapter 13's tests
#                     (once plainly, once under compute-sanitizer), the benchmark against cuBLAS
#                     and the chapter itself; results in $(GPU_OUT)/ (see gpu/check.sh)
#   make gpu-bench    the benchmark only
#   make gpu-debs     fetch the Debian packages a GPU machine needs into gpu/debs/ (see
#                     chapters/13_cuda/README-gpu.md and gpu/device-run.sh)
#
# Options: NVCC=/path/to/nvcc (NVCC= builds the fallback even where nvcc exists);
# GPU_ARCH=90 builds for compute capability 9.0. By default: the GPU's own, when nvidia-smi
# answers, else 90 (the H100/H200).
#
# The kernels include chapters/13_cuda/kernel_math.h (the chapter's exercises) from the edition
# being built: the reference library is $(B)/gpu/ref/, a workbook's is $(B)/gpu/<edition>/, so
# on a GPU machine a student's solutions run inside the kernels, and the self-check proves that
# the stubbed workbook compiles with nvcc.

_gpu_default_goal := $(.DEFAULT_GOAL)

NVCC       ?= $(firstword $(wildcard /usr/local/cuda/bin/nvcc) $(shell command -v nvcc 2>/dev/null))
CUDA_HOME  ?= $(patsubst %/bin/nvcc,%,$(realpath $(NVCC)))
GPU_ARCH   ?= $(or $(shell nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -n 1 | tr -d ' .'),90)
GPU_OUT    ?= $(B)/gpu/results
NVCC_FLAGS ?= -O3 -std=c++17 -lineinfo -Xcompiler -Wall,-Wextra
# A workbook's stubs leave parameters unused until the student writes the code: not a defect.
NVCC_WB_FLAGS ?= -Xcompiler -Wno-unused-parameter,-Wno-unused-variable
# cudart linked statically: the programs then run wherever the driver is, without LD_LIBRARY_PATH.
GPU_LINK    = $(if $(NVCC),-L$(CUDA_HOME)/lib64 -lcudart_static -lrt -ldl -lpthread -lstdc++)

GPU_CU      := $(wildcard gpu/*.cu)
# The common/ headers that gpu/ includes (error.h, course.h through kernel_math.h; tensor.h and
# arena.h through gpu.h).
GPU_DEPS    := $(wildcard gpu/*.h gpu/*.cuh gpu/*/*.cuh) common/error.h common/course.h common/tensor.h common/arena.h gpu/gpu.mk

# $(1): edition (ref, wb, ...), $(2): the chapter directory whose kernel_math.h is compiled in.
ifneq ($(NVCC),)
define GPU_LIBRARY
$(B)/gpu/$(1)/%.o: gpu/%.cu $(GPU_DEPS) $(2)/kernel_math.h
	@mkdir -p $$(dir $$@)
	@echo "nvcc -arch=sm_$$(GPU_ARCH) $$<  ($(1) edition: $(2)/kernel_math.h)"
	@$$(NVCC) $$(NVCC_FLAGS) $(if $(filter ref,$(1)),,$$(NVCC_WB_FLAGS)) -arch=sm_$$(GPU_ARCH) -Xptxas -v -Igpu -Icommon \
	  -I$(2) -c $$< -o $$@ 2>$$@.log; \
	  rc=$$$$?; grep -v -e '^ptxas info' -e '^    [0-9]* bytes stack frame' $$@.log >&2; exit $$$$rc
$(B)/gpu/$(1)/exercises.o: $(2)/ex_kernels.cuh
$(B)/gpu/$(1)/host.o: gpu/host.c $(GPU_DEPS)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CFLAGS) -Igpu -c $$< -o $$@
$(B)/gpu/$(1)/cusim.o: gpu/cusim.c $(GPU_DEPS)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CFLAGS) -Igpu -c $$< -o $$@
$(B)/gpu/$(1)/libnngpu.a: $(GPU_CU:gpu/%.cu=$(B)/gpu/$(1)/%.o) $(B)/gpu/$(1)/host.o $(B)/gpu/$(1)/cusim.o
	@rm -f $$@
	ar rcs $$@ $$^
	@cat $(GPU_CU:gpu/%.cu=$(B)/gpu/$(1)/%.o.log) >$(B)/gpu/$(1)/resources.txt
endef
else
define GPU_LIBRARY
$(B)/gpu/$(1)/%.o: gpu/%.c $(GPU_DEPS)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CFLAGS) -Igpu -c $$< -o $$@
$(B)/gpu/$(1)/libnngpu.a: $(B)/gpu/$(1)/host.o $(B)/gpu/$(1)/nogpu.o $(B)/gpu/$(1)/cusim.o
	@echo "gpu/: nvcc not found (NVCC=$(NVCC)): building the no-GPU fallback, gpu/nogpu.c"
	@rm -f $$@ $(B)/gpu/$(1)/resources.txt
	ar rcs $$@ $$^
endef
endif

$(eval $(call GPU_LIBRARY,ref,chapters/13_cuda))
GPU_LIB_REF := $(B)/gpu/ref/libnngpu.a
ifneq ($(EDITION),ref)
$(eval $(call GPU_LIBRARY,$(EDITION),$(WB)/chapters/13_cuda))
endif
GPU_LIB_EDITION := $(B)/gpu/$(EDITION)/libnngpu.a

.PHONY: gpu gpu-check gpu-bench gpu-debs
gpu: $(GPU_LIB_REF)
	@echo "built $(GPU_LIB_REF) ($(if $(NVCC),CUDA for sm_$(GPU_ARCH) with $(NVCC),the no-GPU fallback: nvcc not found))"

# The benchmark links cuBLAS, the yardstick; nothing else does.
$(B)/gpu/bench: gpu/bench.c $(GPU_LIB_REF) $(LIB) $(GPU_DEPS)
	@test -n "$(NVCC)" || { echo "make gpu-bench needs nvcc and cuBLAS (the CUDA toolkit)"; exit 1; }
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -Igpu -I$(CUDA_HOME)/include $< $(GPU_LIB_REF) $(LIB) $(LDFLAGS) \
	  -L$(CUDA_HOME)/lib64 -Wl,-rpath,$(CUDA_HOME)/lib64 -lcublas $(GPU_LINK) $(PKG_LIBS) -o $@

gpu-bench: $(B)/.deps-build $(B)/gpu/bench
	$(B)/gpu/bench $(GPU_BENCH_ARGS)

gpu-check: $(B)/.deps-build
	@test -n "$(NVCC)" || { echo "make gpu-check needs nvcc (the CUDA toolkit) and an NVIDIA GPU"; exit 1; }
	@$(MAKE) --no-print-directory $(LIB) $(GPU_LIB_REF) $(B)/ref/13_cuda/prog $(B)/ref/13_cuda/test $(B)/gpu/bench
	@B=$(B) GPU_OUT=$(GPU_OUT) PYTHON=$(PYTHON) gpu/check.sh

gpu-debs:
	@gpu/fetch-debs.sh gpu/debs

.DEFAULT_GOAL := $(_gpu_default_goal)
