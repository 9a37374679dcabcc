# chapters/13_cuda/chapter.mk — chapter 13 links the CUDA library built by gpu/gpu.mk: the
# reference library for the reference chapter, the workbook's own (compiled with the workbook's
# kernel_math.h) for a workbook edition. Without nvcc that library is the no-GPU fallback.
GPU_EDITION_OF = $(if $(findstring /ref/,$@),ref,$(EDITION))
LIBS_13_cuda   = $(B)/gpu/$(GPU_EDITION_OF)/libnngpu.a $(LIB) $(GPU_LINK)
DEPS_13_cuda   = $(B)/gpu/$(GPU_EDITION_OF)/libnngpu.a gpu/test_cusim.c gpu/cusim.h
CFLAGS_13_cuda = -Igpu -DGPU_RESOURCES='"$(CURDIR)/$(B)/gpu/$(GPU_EDITION_OF)/resources.txt"' \
                 -DREPO_ROOT='"$(CURDIR)"'
