/* decoy 13.4: the H100's numbers written in instead of the limits in sm */
    int warps = (threads + 31) / 32;
    int blocks = 32;
    int by_threads = 2048 / (32 * warps);
    blocks = by_threads < blocks ? by_threads : blocks;
    int per_warp = (32 * regs + 255) / 256 * 256;
    if (per_warp > 0) {
        int by_regs = 4 * (65536 / 4 / per_warp) / warps;
        blocks = by_regs < blocks ? by_regs : blocks;
    }
    int by_smem = (228 * 1024) / (smem + 1024);
    return by_smem < blocks ? by_smem : blocks;
