/* runtime.cu — the CUDA runtime services of gpu.h: finding the GPU, device memory, copies,
 * timing with CUDA events, and the one function that reports a failed CUDA call. */
#include "cuda_check.cuh"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern "C" int gpu_built_with_cuda(void) { return 1; }

int gpu_sync_each_launch(void)
{
    static int cached = -1;
    if (cached < 0) {
        const char *s = getenv("GPU_SYNC");
        cached = s && *s && *s != '0';
    }
    return cached;
}

/* A hint for the errors a reader is likely to meet. */
static const char *hint_for(cudaError_t err)
{
    switch (err) {
    case cudaErrorMemoryAllocation:
        return "the GPU's memory is full: free what is no longer needed, or use smaller sizes";
    case cudaErrorNoDevice:
    case cudaErrorInsufficientDriver:
        return "this machine has no usable NVIDIA GPU (or no driver for it): chapter 13's kernels need "
               "one; see chapters/13_cuda/README-gpu.md";
    case cudaErrorInvalidConfiguration:
        return "the grid or the block is larger than the GPU allows (at most 1024 threads per block, "
               "65535 blocks in y and z), or a block asks for too much shared memory";
    case cudaErrorNoKernelImageForDevice:
        return "the library was built for another GPU architecture: rebuild it for this one, "
               "e.g. make gpu GPU_ARCH=80 for compute capability 8.0";
    case cudaErrorIllegalAddress:
    case cudaErrorLaunchFailure:
    case cudaErrorIllegalInstruction:
    case cudaErrorMisalignedAddress:
        return "a kernel stopped: an out-of-bounds or misaligned access, or a thread reached a "
               "TODO(13, K) of chapters/13_cuda/kernel_math.h that is not written yet. Run the program "
               "under compute-sanitizer to see the thread and the address; GPU_SYNC=1 names the launch. "
               "The CUDA context is now unusable: the process must start again";
    default:
        return "GPU_SYNC=1 synchronizes after every launch, so that an error is reported at the launch "
               "that caused it; compute-sanitizer finds bad memory accesses";
    }
}

gpu_status gpu_cuda_failed(const char *file, int line, const char *what, cudaError_t err)
{
    (void)cudaGetLastError(); /* clear a non-sticky error so that later calls can work */
    if (err == cudaErrorMemoryAllocation) {
        size_t free_b = 0, total_b = 0;
        if (cudaMemGetInfo(&free_b, &total_b) == cudaSuccess)
            gpu_report_at(file, line, hint_for(err), "%s failed: %s (%s); the device has %.2f GB free of %.2f GB",
                          what, cudaGetErrorString(err), cudaGetErrorName(err), free_b / 1e9, total_b / 1e9);
        else
            gpu_report_at(file, line, hint_for(err), "%s failed: %s (%s)", what, cudaGetErrorString(err),
                          cudaGetErrorName(err));
        (void)cudaGetLastError();
        return GPU_ERR_MEMORY;
    }
    gpu_report_at(file, line, hint_for(err), "%s failed: %s (%s)", what, cudaGetErrorString(err),
                  cudaGetErrorName(err));
    return GPU_ERR_CUDA;
}

/* --- finding the GPU ------------------------------------------------------------------------- */

static char probe_reason[512];
static int probe_done;
static gpu_status probe_status;

extern "C" const char *gpu_no_gpu_reason(void) { return probe_reason; }

static gpu_status probe_once(void)
{
    int count = 0;
    cudaError_t err = cudaGetDeviceCount(&count);
    if (err != cudaSuccess) {
        (void)cudaGetLastError();
        snprintf(probe_reason, sizeof probe_reason, "no usable CUDA GPU: cudaGetDeviceCount says: %s (%s)%s",
                 cudaGetErrorString(err), cudaGetErrorName(err),
                 err == cudaErrorInsufficientDriver ? "; this machine has no NVIDIA driver, or one older than "
                                                      "the CUDA runtime this was built with"
                 : err == cudaErrorNoDevice ? "; the driver sees no GPU"
                                            : "");
        return GPU_ERR_NO_GPU;
    }
    if (count == 0) {
        snprintf(probe_reason, sizeof probe_reason, "no CUDA GPU: the driver reports 0 devices");
        return GPU_ERR_NO_GPU;
    }
    cudaDeviceProp p;
    err = cudaGetDeviceProperties(&p, 0);
    if (err != cudaSuccess) {
        snprintf(probe_reason, sizeof probe_reason, "no usable CUDA GPU: cudaGetDeviceProperties says: %s",
                 cudaGetErrorString(err));
        return GPU_ERR_NO_GPU;
    }
#ifdef __CUDA_ARCH_LIST__
    /* The machine code in this library runs on its own architecture; the PTX that -arch=sm_XX
     * also embeds is compiled by the driver for newer GPUs. An older GPU can run neither. */
    static const int built[] = {__CUDA_ARCH_LIST__};
    int lowest = built[0];
    for (size_t i = 1; i < sizeof built / sizeof built[0]; i++)
        lowest = built[i] < lowest ? built[i] : lowest;
    int have = p.major * 100 + p.minor * 10;
    if (have < lowest) {
        snprintf(probe_reason, sizeof probe_reason,
                 "the GPU (%s) has compute capability %d.%d, but this library was built for %d.%d and newer: "
                 "rebuild it with make gpu GPU_ARCH=%d%d",
                 p.name, p.major, p.minor, lowest / 100, lowest % 100 / 10, p.major, p.minor);
        return GPU_ERR_NO_GPU;
    }
#endif
    return GPU_OK;
}

extern "C" gpu_status gpu_probe(char *why, size_t n)
{
    if (!probe_done) {
        probe_status = probe_once();
        probe_done = 1;
    }
    if (why && n)
        snprintf(why, n, "%s", probe_status == GPU_OK ? "" : probe_reason);
    return probe_status;
}

extern "C" gpu_status gpu_get_info(gpu_info *info)
{
    REQUIRE_GPU("gpu_get_info");
    cudaDeviceProp p;
    CUDA_CHECK(cudaGetDeviceProperties(&p, 0));
    memset(info, 0, sizeof *info);
    snprintf(info->name, sizeof info->name, "%s", p.name);
    info->cc_major = p.major;
    info->cc_minor = p.minor;
    info->sms = p.multiProcessorCount;
    info->max_threads_per_sm = p.maxThreadsPerMultiProcessor;
    info->max_blocks_per_sm = p.maxBlocksPerMultiProcessor;
    info->regs_per_sm = p.regsPerMultiprocessor;
    info->smem_per_sm = p.sharedMemPerMultiprocessor;
    info->smem_per_block_optin = p.sharedMemPerBlockOptin;
    info->global_mem = p.totalGlobalMem;
    info->l2_bytes = (size_t)p.l2CacheSize;
    int khz = 0;
    if (cudaDeviceGetAttribute(&khz, cudaDevAttrClockRate, 0) == cudaSuccess)
        info->clock_ghz = khz / 1e6;
    (void)cudaGetLastError();
    return GPU_OK;
}

/* --- memory ------------------------------------------------------------------------------------ */

extern "C" gpu_status gpu_malloc(void **ptr, size_t bytes)
{
    *ptr = NULL;
    if (bytes == 0) {
        gpu_report("ask for at least one element", "gpu_malloc: 0 bytes requested: expected bytes >= 1");
        return GPU_ERR_ARGS;
    }
    REQUIRE_GPU("gpu_malloc");
    cudaError_t err = cudaMalloc(ptr, bytes);
    if (err != cudaSuccess) {
        *ptr = NULL;
        char what[128];
        snprintf(what, sizeof what, "cudaMalloc of %zu bytes (%.3f GB)", bytes, bytes / 1e9);
        return gpu_cuda_failed(__FILE__, __LINE__, what, err);
    }
    return GPU_OK;
}

extern "C" void gpu_free(void *ptr)
{
    if (ptr)
        (void)cudaFree(ptr); /* a failure here means the context is already broken: reported before */
}

extern "C" gpu_status gpu_upload(void *dst, const void *src, size_t bytes)
{
    REQUIRE_GPU("gpu_upload");
    CUDA_CHECK(cudaMemcpy(dst, src, bytes, cudaMemcpyHostToDevice));
    return GPU_OK;
}

extern "C" gpu_status gpu_download(void *dst, const void *src, size_t bytes)
{
    REQUIRE_GPU("gpu_download");
    CUDA_CHECK(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToHost));
    return GPU_OK;
}

extern "C" gpu_status gpu_copy(void *dst, const void *src, size_t bytes)
{
    REQUIRE_GPU("gpu_copy");
    CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, 0));
    return GPU_OK;
}

extern "C" gpu_status gpu_memset(void *dst, int byte, size_t bytes)
{
    REQUIRE_GPU("gpu_memset");
    CUDA_CHECK(cudaMemsetAsync(dst, byte, bytes, 0));
    return GPU_OK;
}

extern "C" gpu_status gpu_synchronize(void)
{
    REQUIRE_GPU("gpu_synchronize");
    CUDA_CHECK(cudaDeviceSynchronize());
    return GPU_OK;
}

/* --- timing ----------------------------------------------------------------------------------- */

/* Events are recorded in the stream between the launches, so the time is the GPU's own, without
 * the CPU's launch overhead, as long as the launches keep ahead of the GPU. */
extern "C" gpu_status gpu_time(gpu_status (*fn)(void *), void *arg, int warmup, int reps, double *ms)
{
    REQUIRE_GPU("gpu_time");
    if (reps < 1) {
        gpu_report("time at least one repetition", "gpu_time: reps = %d: expected reps >= 1", reps);
        return GPU_ERR_ARGS;
    }
    for (int i = 0; i < warmup; i++) {
        gpu_status s = fn(arg);
        if (s != GPU_OK)
            return s;
    }
    cudaEvent_t start, stop;
    CUDA_CHECK(cudaEventCreate(&start));
    cudaError_t err = cudaEventCreate(&stop);
    if (err != cudaSuccess) {
        cudaEventDestroy(start);
        return gpu_cuda_failed(__FILE__, __LINE__, "cudaEventCreate(&stop)", err);
    }
    gpu_status s = GPU_OK;
    float total = 0;
    err = cudaEventRecord(start, 0);
    for (int i = 0; err == cudaSuccess && s == GPU_OK && i < reps; i++)
        s = fn(arg);
    if (err == cudaSuccess)
        err = cudaEventRecord(stop, 0);
    if (err == cudaSuccess)
        err = cudaEventSynchronize(stop);
    if (err == cudaSuccess)
        err = cudaEventElapsedTime(&total, start, stop);
    cudaEventDestroy(start);
    cudaEventDestroy(stop);
    if (err != cudaSuccess)
        return gpu_cuda_failed(__FILE__, __LINE__, "timing with CUDA events", err);
    *ms = total / reps;
    return s;
}
