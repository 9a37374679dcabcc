# api-rename.sed — converts code written against common/ before the naming rule (issue 9) to the
# new names.  Usage:  sed -i -E -f tools/api-rename.sed FILE...   (idempotent: safe to run twice)
#
# The rule (enforced by tools/check-names.py, run by `make check`): every public name of common/
# starts with a prefix that its header declares in its opening comment ("Prefixes: tensor_"), a
# prefix belongs to one header only, types end in _t, macros and constants are the upper-case
# prefix, arguments go outputs, inputs, sizes, options, with rng_t * last.
#
# sed cannot reorder arguments. These calls changed order; fix them by hand (the compiler finds
# most of them: the types differ):
#   fashion_load(dir, split, &out)                 -> fashion_load(&out, dir, split)
#   fashion_load_splits(dir, &train, &test)        -> fashion_load_splits(&train, &test, dir)
#   idx_read(path, ndim, &out)                     -> idx_read(&out, path, ndim)
#   dataset_split(&src, frac, rng, &first, &second) -> dataset_split(&first, &second, &src, frac, rng)
#   checkpoint_load(path, tag, params, n)          -> checkpoint_load(params, n, path, tag)
#   prep_split(perm, n, val_frac, test_frac, rng, &n_train, &n_val, &n_test)
#                                  -> prep_split(perm, &n_train, &n_val, &n_test, n, val_frac, test_frac, rng)
#   schedule_finder_suggest(lrs, losses, n, smoothed) -> schedule_finder_suggest(smoothed, lrs, losses, n)
# Moved between headers (include the new one):
#   clock_seconds, clock_median   progress.h -> timing.h (timing_seconds, timing_median)
#   softmax_backward              activations.h -> loss.h (the softmax family lives in loss.h)

# ---- types: English words (tensor, dataset) only where they are used as a type, not in prose ----
s/\b(tensor|dataset)\b( ?\*+ ?| )(const ?\** ?)?([A-Za-z_][A-Za-z_0-9]*)( =|[,;)(\[])/\1_t\2\3\4\5/g
s/\b(tensor|dataset)\b( ?\*+ ?| )(const ?\** ?)?([A-Za-z_][A-Za-z_0-9]*)( =|[,;)(\[])/\1_t\2\3\4\5/g
s/\((const )?(tensor|dataset)( ?\*+)?\)/(\1\2_t\3)/g
s/\bsizeof\((tensor|dataset)\)/sizeof(\1_t)/g
s/`(tensor|dataset)`/`\1_t`/g

# ---- types ----
s/\bcsvlog\b/csvlog_t/g
s/\bidx_array\b/idx_array_t/g
s/\bio_file\b/io_file_t/g
s/\bgradcheck_result\b/gradcheck_result_t/g
s/\bgradcheck_loss_fn\b/gradcheck_loss_fn_t/g
s/\bmetrics_(regression|class|summary)\b/metrics_\1_t/g
s/\bprep_(affine|imputer|rankgauss|stat)\b/prep_\1_t/g
s/\bflag_type\b/flags_type_t/g
s/\bflag_option\b/flags_option_t/g
s/\boptim_kind\b/optim_kind_t/g
s/\bschedule_kind\b/schedule_kind_t/g
s/\bag_(tape|node|var|param|params|backward_fn|act_forward_fn|act_backward_fn)\b/ag_\1_t/g

# ---- constants ----
s/\bFLAG_(INT|FLOAT|STRING|SWITCH)\b/FLAGS_\1/g
s/\bOPT_(SGD|MOMENTUM|NESTEROV|ADAGRAD|RMSPROP|ADAM|ADAMW|RADAM|LARS|LAMB|KIND_COUNT)\b/OPTIM_\1/g
s/\bSCHED_([A-Z])/SCHEDULE_\1/g
s/\bLENET5\b/LENET_5/g

# ---- functions ----
s/\bmatmul\(/matmul_blas(/g
s/`matmul`/`matmul_blas`/g
s/\bgradcheck\(/gradcheck_run(/g
s/`gradcheck`/`gradcheck_run`/g
s/\bclock_seconds\b/timing_seconds/g
s/\bclock_median\b/timing_median/g

# ---- file names are not identifiers: undo what the rules above did to them ----
s/\b(csvlog|idx_array|io_file)_t\.([ch])\b/\1.\2/g
# ... nor are these English words
s/\btensor_t (cores?)\b/tensor \1/g
s/-tensor_t\b/-tensor/g
