/* decoy 13.4: the 1 KB the system reserves per block left out */
    int warps = (threads + 31) / 32;
    int blocks = sm->max_blocks;
    int by_threads = sm->max_threads / (32 * warps);
    blocks = by_threads < blocks ? by_threads : blocks;
    int per_warp = (32 * regs + sm->reg_unit - 1) / sm->reg_unit * sm->reg_unit;
    if (per_warp > 0) {
        int by_regs = sm->reg_parts * (sm->regs / sm->reg_parts / per_warp) / warps;
        blocks = by_regs < blocks ? by_regs : blocks;
    }
    int by_smem = sm->smem / (smem > 0 ? smem : 1);
    return by_smem < blocks ? by_smem : blocks;
