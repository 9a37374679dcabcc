/* decoy 13.4: one flat register file (65536 / R warps) instead of 4 sub-partitions of 16384 */
    int warps = (threads + 31) / 32;
    int blocks = sm->max_blocks;
    int by_threads = sm->max_threads / (32 * warps);
    blocks = by_threads < blocks ? by_threads : blocks;
    int per_warp = (32 * regs + sm->reg_unit - 1) / sm->reg_unit * sm->reg_unit;
    if (per_warp > 0) {
        int by_regs = sm->regs / per_warp / warps;
        blocks = by_regs < blocks ? by_regs : blocks;
    }
    int by_smem = sm->smem / (smem + sm->smem_reserved);
    return by_smem < blocks ? by_smem : blocks;
