# Neural networks from scratch, in C — one entry point.
#
#   make run CH=01 [ARGS="--quick --seed 3"]   build and run chapter 01
#   make check [CH=01]                         grade the chapters (and test common/)
#   make workbook                              export the student edition to workbook/
#   make progress                              one line per chapter: points / possible
#   make watch CH=01                           re-grade on every save of a workbook file
#   make next | make hint EX=01.2 | make reset EX=01.2   the next exercise, one more hint, the stub back
#   make grade-class DIR=subs OUT=grades       grade a class in the sandbox into a gradebook (teacher)
#   make release OUT=dir                       a standalone student copy of the course (teacher)
#   make book                                  render book/out/ (HTML + PDF)
#   make bench                                 time each chapter's headline workload
#   make lib; make install PREFIX=DIR          libnn.a/.so, headers in DIR/include/nn, pkg-config nn
#   make installcheck PREFIX=DIR; make uninstall PREFIX=DIR   check an installed copy; remove it
#   make numbers [CH=01]                       check the numbers the prose quotes against a run
#   make fuzz [FUZZ=csv] [FUZZ_SECONDS=60]     fuzz the parsers of outside input (clang's libFuzzer)
#   make deps                                  install the Debian packages the course needs
#   make clean
#
# Options: SAN=1 builds with AddressSanitizer + UBSan (into build-san/); REF=1 uses the reference
# chapters even when workbook/ exists; WB=DIR grades another workbook directory; TEACHER=1 grades
# as the teacher does (a change outside the exercise regions gives the chapter 0 points);
# CHECK_JOBS=N grades N chapters at a time (default: one per core).

SHELL      := /bin/bash
CC         ?= cc
SAN        ?=
B          ?= $(if $(SAN),build-san,build)
WB         ?= workbook
PYTHON     ?= python3
CHECK_JOBS ?= $(shell nproc 2>/dev/null || echo 2)

PKGS       := openblas zlib
CFLAGS     ?= -O2 -g
CFLAGS     += -std=gnu11 -Wall -Wextra -Icommon
ifeq ($(SAN),1)
CFLAGS     := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined \
              -std=gnu11 -Wall -Wextra -Icommon
LDFLAGS    += -fsanitize=address,undefined
export LSAN_OPTIONS = suppressions=$(CURDIR)/tools/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS = print_stacktrace=1
endif
PKG_CFLAGS  = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS    = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm -pthread
# Only test binaries link Criterion: a program linked with it misbehaves when a test runs it.
TEST_LIBS   = $(shell pkg-config --libs criterion 2>/dev/null)
# A workbook stub leaves parameters unused until the student writes the code: not a defect.
WB_CFLAGS  := -Wno-unused-parameter -Wno-unused-variable -Wno-unused-but-set-variable -Wno-unused-function

# A chapter is a directory chapters/NN_name holding NN_name.c.
CHAPTERS   := $(sort $(foreach d,$(wildcard chapters/[0-9][0-9]_*),$(if $(wildcard $(d)/$(notdir $(d)).c),$(notdir $(d)))))
ifdef CH
CHAPTER    := $(filter $(CH)_%,$(CHAPTERS))
ifeq ($(CHAPTER),)
$(error No chapter $(CH). The chapters are: $(CHAPTERS). Use CH=NN with the number, e.g. make run CH=01)
endif
endif
SELECTED   := $(if $(CH),$(CHAPTER),$(CHAPTERS))

# Which edition is graded and run: the student's workbook when it exists, else the reference.
ifeq ($(REF)$(wildcard $(WB)/chapters),)
EDITION    := ref
ROOT       := .
else ifneq ($(REF),)
EDITION    := ref
ROOT       := .
else
EDITION    := $(if $(filter workbook,$(WB)),wb,wb-$(subst /,_,$(WB)))
ROOT       := $(WB)
endif

# A student release (grader/release.py) holds no reference solutions: its student works in
# $(WB)/, and the teacher's targets stop there with one line.
RELEASE    := $(wildcard .release)
TEACHER_GOALS := selfcheck classcheck grade-class release expected-asserts numbers
ifneq ($(RELEASE),)
ifneq ($(filter $(TEACHER_GOALS),$(MAKECMDGOALS)),)
$(error make $(firstword $(filter $(TEACHER_GOALS),$(MAKECMDGOALS))) is for the teacher, in the full course: this student copy has no reference solutions$(if $(filter grade-class,$(MAKECMDGOALS)), to grade with (grade from the full course at the commit in .release)))
endif
endif
NEED_WB    = $(if $(RELEASE),$(if $(REF),$(error REF=1: this student copy has no reference solutions; work and grade in $(WB)/),$(if $(filter ref,$(EDITION)),$(error There is no $(WB)/ to work in: make workbook writes it (it holds your copy of the chapters)))))

# `make` alone builds everything (the included files below define rules of their own, and the
# first rule of a makefile is otherwise its default).
.DEFAULT_GOAL := all

# A chapter may add link flags and prerequisites in chapters/NN_name/chapter.mk:
#   LIBS_NN_name := ...    DEPS_NN_name := ...    CFLAGS_NN_name := ...
-include $(wildcard chapters/*/chapter.mk)
-include gpu/gpu.mk

# The library, libnn: every common/*.c; its installed headers are every common/*.h but course.h
# (the course's TODO plumbing) and simd4.h (internal to conv.c and pool.c). libnn.so is built from
# position-independent objects of its own.
LIB_SRCS   := $(wildcard common/*.c)
LIB_HDRS   := $(wildcard common/*.h)
LIB_PUB_HDRS := $(filter-out common/course.h common/simd4.h,$(LIB_HDRS))
LIB_OBJS   := $(LIB_SRCS:%.c=$(B)/%.o)
LIB_PIC_OBJS := $(LIB_SRCS:%.c=$(B)/pic/%.o)
LIB_TESTS  := $(wildcard common/tests/test_*.c)
# The version is written in one place, common/nn.h's LIBNN_VERSION_MAJOR/MINOR/PATCH lines (a
# program can test it there); the shared library, nn.pc and install's message take it from here.
nn_version_part = $(shell sed -n 's/^.define LIBNN_VERSION_$(1)  *\([0-9][0-9]*\) *$$/\1/p' common/nn.h)
NN_MAJOR   := $(call nn_version_part,MAJOR)
NN_VERSION := $(NN_MAJOR).$(call nn_version_part,MINOR).$(call nn_version_part,PATCH)
ifneq ($(shell grep -c '^.define LIBNN_VERSION_STRING "$(NN_VERSION)" *$$' common/nn.h),1)
$(error common/nn.h: LIBNN_VERSION_STRING is not "$(NN_VERSION)", what its MAJOR, MINOR and PATCH lines say)
endif
LIB        := $(B)/libnn.a
# libnn.so.0.3.0, the file; libnn.so.0, its soname (what a program linked with it asks the loader
# for: any 0.x.y will do); libnn.so, the name -lnn finds when a program is linked.
LIB_SONAME := libnn.so.$(NN_MAJOR)
LIB_SO     := $(B)/libnn.so.$(NN_VERSION)
LIB_SO_LINKS := $(B)/$(LIB_SONAME) $(B)/libnn.so
PREFIX     ?= /usr/local
# make lib, install and check-headers need only a compiler, OpenBLAS and zlib: they never run the
# package installer (a library user's machine need not be Debian).
NO_DEPS_GOALS := lib install uninstall installcheck check-headers
DEPS_STAMP := $(if $(MAKECMDGOALS),$(if $(filter-out $(NO_DEPS_GOALS),$(MAKECMDGOALS)),$(B)/.deps-build),$(B)/.deps-build)

.PHONY: all deps run check check-build workbook progress watch book bench selfcheck numbers clean gpu fuzz lib \
        install uninstall installcheck check-headers expected-asserts next hint reset grade-class classcheck release submit
.SECONDEXPANSION:

all: $(LIB) $(foreach c,$(CHAPTERS),$(B)/ref/$(c)/prog)

deps:
	@tools/deps.sh build run book watch

$(B)/.deps-build: tools/deps.sh
	@tools/deps.sh build
	@mkdir -p $(B) && touch $@

# --- the library -----------------------------------------------------------------------------
$(B)/common/%.o: common/%.c $(LIB_HDRS) | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -c $< -o $@

$(B)/pic/common/%.o: common/%.c $(LIB_HDRS) | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fPIC $(PKG_CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

# -Bsymbolic-functions: a call from one of the library's functions to another (mlp_init to
# rng_normal) goes to the library's own, even when the program defines a function of that name.
# Without it, a program's own rng_normal (another type, another meaning) silently replaced the
# library's inside mlp_init when linked with libnn.so, while linking libnn.a stopped with a
# duplicate definition. Functions only, not -Bsymbolic: the library's exported data (LENET_5,
# FASHION_CLASSES) is copied into a program that uses it, and library and program must both read
# that one copy. -fno-semantic-interposition alone would not do: GCC then binds calls within one
# file, not from mlp.c into rng.c. A program still calls its own function by that name.
$(LIB_SO): $(LIB_PIC_OBJS)
	$(CC) -shared -Wl,-soname,$(LIB_SONAME) -Wl,-Bsymbolic-functions $^ $(LDFLAGS) $(PKG_LIBS) -o $@

$(B)/$(LIB_SONAME): $(LIB_SO)
	ln -sf $(notdir $<) $@

$(B)/libnn.so: $(B)/$(LIB_SONAME)
	ln -sf $(LIB_SONAME) $@

# make lib; make install PREFIX=DIR (headers in DIR/include/nn/, libnn.a and libnn.so* in DIR/lib/,
# DIR/lib/pkgconfig/nn.pc: then `pkg-config --cflags --libs nn` with PKG_CONFIG_PATH=DIR/lib/pkgconfig).
# make uninstall PREFIX=DIR removes those files, and the two directories if that leaves them empty.
lib: $(LIB) $(LIB_SO) $(LIB_SO_LINKS)

INSTALLED_LIBS := libnn.a $(notdir $(LIB_SO)) $(LIB_SONAME) libnn.so
install: lib
	install -d $(DESTDIR)$(PREFIX)/include/nn $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 644 $(LIB_PUB_HDRS) $(DESTDIR)$(PREFIX)/include/nn/
	install -m 644 $(LIB) $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(LIB_SO) $(DESTDIR)$(PREFIX)/lib/
	ln -sf $(notdir $(LIB_SO)) $(DESTDIR)$(PREFIX)/lib/$(LIB_SONAME)
	ln -sf $(LIB_SONAME) $(DESTDIR)$(PREFIX)/lib/libnn.so
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(NN_VERSION)|' tools/nn.pc.in \
	  >$(DESTDIR)$(PREFIX)/lib/pkgconfig/nn.pc
	@echo "installed libnn $(NN_VERSION) into $(PREFIX). Build with: export PKG_CONFIG_PATH=$(PREFIX)/lib/pkgconfig;" \
	  "cc prog.c \$$(pkg-config --cflags --libs nn)"
	@case "$(PREFIX)" in \
	  /usr) ;; \
	  /usr/local) echo "then run ldconfig (as root) once, so that the loader finds the new $(LIB_SONAME)";; \
	  *) echo "and run with LD_LIBRARY_PATH=$(PREFIX)/lib (the loader does not look in $(PREFIX)/lib)," \
	          "or link with -Wl,-rpath,$(PREFIX)/lib";; \
	esac

uninstall:
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/include/nn/,$(notdir $(LIB_PUB_HDRS))) \
	  $(addprefix $(DESTDIR)$(PREFIX)/lib/,$(INSTALLED_LIBS)) $(DESTDIR)$(PREFIX)/lib/pkgconfig/nn.pc
	for d in $(DESTDIR)$(PREFIX)/include/nn $(DESTDIR)$(PREFIX)/lib/pkgconfig; do \
	  [ ! -d $$d ] || rmdir --ignore-fail-on-non-empty $$d; done

# Checks a copy installed with make install PREFIX=DIR, through pkg-config as a user builds
# (tools/installcheck/check.sh: the version everywhere, the soname, the library's own symbols).
installcheck:
	@PREFIX="$(PREFIX)" NN_VERSION="$(NN_VERSION)" NN_SONAME="$(LIB_SONAME)" CC="$(CC)" \
	  tools/installcheck/check.sh

# Every installed header compiles alone as C11 and C++11 (-Wall -Wextra -pedantic); nn.h has them all.
check-headers:
	@CC="$(CC)" tools/check-headers.sh $(LIB_PUB_HDRS)

# The library's tests; test_cli.c also runs the chapter programs, so they are built first.
$(B)/lib/test: $(LIB_TESTS) common/tests/capture.h $(wildcard fuzz/*.c fuzz/*.h) $(LIB) $(LIB_HDRS) $(foreach c,$(CHAPTERS),$(B)/ref/$(c)/prog)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -Icommon/tests -DDATASETS='"$(CURDIR)/datasets"' -DREPO='"$(CURDIR)"' \
	  -DBUILD_DIR='"$(CURDIR)/$(B)"' $(LIB_TESTS) $(LIB) $(LDFLAGS) $(PKG_LIBS) $(TEST_LIBS) -o $@

# --- chapters: the program and its grader, for the reference and the workbook edition ---------
# $(B)/ref/NN_name/NN_name   from chapters/NN_name/NN_name.c
# $(B)/wb/NN_name/test       from $(WB)/chapters/NN_name/NN_name.c + the reference test file
# (another WB=dir builds into $(B)/wb-dir/, so grading it never reuses the student's binaries)
$(B)/ref/%/prog: chapters/$$*/$$*.c $(LIB) $$(DEPS_$$*)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(CFLAGS_$*) $(PKG_CFLAGS) $< $(LIB) $(LIBS_$*) $(LDFLAGS) $(PKG_LIBS) -o $@

$(B)/$(EDITION)/%/prog: $(WB)/chapters/$$*/$$*.c $(LIB) $$(DEPS_$$*)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WB_CFLAGS) $(CFLAGS_$*) $(PKG_CFLAGS) $< $(LIB) $(LIBS_$*) $(LDFLAGS) $(PKG_LIBS) -o $@

$(B)/ref/%/test: chapters/$$*/$$*.c chapters/$$*/test_$$*.c $(LIB) $$(DEPS_$$*)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Wno-unused-function $(CFLAGS_$*) $(PKG_CFLAGS) -DGRADING -DCHAPTER_SOURCE='"$(CURDIR)/$<"' \
	  -DDATASETS='"$(CURDIR)/datasets"' chapters/$*/test_$*.c $(LIB) $(LIBS_$*) $(LDFLAGS) $(PKG_LIBS) $(TEST_LIBS) -o $@

$(B)/$(EDITION)/%/test: $(WB)/chapters/$$*/$$*.c chapters/$$*/test_$$*.c $(LIB) $$(DEPS_$$*)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WB_CFLAGS) -Wno-unused-function $(CFLAGS_$*) $(PKG_CFLAGS) -DGRADING \
	  -DCHAPTER_SOURCE='"$(abspath $<)"' -DDATASETS='"$(CURDIR)/datasets"' chapters/$*/test_$*.c $(LIB) \
	  $(LIBS_$*) $(LDFLAGS) $(PKG_LIBS) $(TEST_LIBS) -o $@

# Test binaries run under contain, which kills whatever processes a test leaves behind (code that
# forks and lets its parent return would otherwise keep running after the grader is done).
CONTAIN    := $(B)/tools/contain
$(CONTAIN): tools/contain.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -std=gnu11 -Wall -Wextra $< -o $@

# --- what a user types ----------------------------------------------------------------------
run:
ifndef CH
	$(error make run needs a chapter: make run CH=01 (chapters: $(CHAPTERS)))
endif
	$(NEED_WB)
	@tools/deps.sh build run
	@$(MAKE) --no-print-directory $(B)/$(EDITION)/$(CHAPTER)/prog
	@[ $(EDITION) = ref ] || echo "Running your workbook edition ($(WB)/chapters/$(CHAPTER))$(if $(RELEASE),.,; REF=1 runs the reference.)"
	@mkdir -p out/$(CH)
	set -o pipefail; $(B)/$(EDITION)/$(CHAPTER)/prog --out out/$(CH) $(ARGS) $(if $(ARGS),,| tee out/$(CH)/run.txt.tmp && mv out/$(CH)/run.txt.tmp out/$(CH)/run.txt)

# Build every selected grader (a chapter that does not compile does not stop the others),
# run each test binary one suite at a time (grader/runtests.py: Criterion isolates every test in its
# own process; a suite's first time-out stops that suite, so an endless loop costs one wait), then report. A workbook
# exercise whose code runs another exercise that is wrong is graded again alone, with the course's
# version of that one (grader/isolate.py), so that a mistake costs only the exercise it is in; so is
# every written exercise of a workbook chapter that does not compile as a whole. Chapters
# are built and graded CHECK_JOBS at a time (one per core): each writes only its own directory.
check: $(B)/.deps-build
	$(NEED_WB)
	@[ -z "$(RELEASE)" ] || $(PYTHON) grader/release.py --pristine
	@$(MAKE) --no-print-directory -s -j$(CHECK_JOBS) $(LIB) $(CONTAIN) $(if $(CH),,$(B)/lib/test)
	@[ $(EDITION) = ref ] || echo "Grading your workbook edition in $(WB)/$(if $(RELEASE),., (REF=1 grades the reference chapters).)"
	@printf '%s\n' $(SELECTED) | xargs -P $(CHECK_JOBS) -I{} sh -c '\
	  d=$(B)/$(EDITION)/{}; mkdir -p $$d; rm -rf $$d/results.json $$d/stderr.txt $$d/build.log $$d/isolated; \
	  if $(MAKE) --no-print-directory -s $$d/test >$$d/build.log 2>&1; then \
	    $(PYTHON) grader/runtests.py --contain $(CONTAIN) $$d/test $$d/results.json 2>$$d/stderr.txt || true; \
	  fi'
	@[ $(EDITION) = ref ] || $(PYTHON) grader/isolate.py --build $(B) --root $(ROOT) --jobs $(CHECK_JOBS) \
	  $(foreach c,$(SELECTED),$(B)/$(EDITION)/$(c)) || true
	@[ -n "$(CH)" ] || { $(CONTAIN) $(B)/lib/test --json=$(B)/lib/results.json >/dev/null 2>$(B)/lib/stderr.txt || true; }
	@[ -n "$(CH)" ] || { $(PYTHON) tools/check-names.py && $(PYTHON) tools/check-names.py --selftest >/dev/null; }
	@[ -n "$(CH)" ] || CC="$(CC)" tools/check-headers.sh $(LIB_PUB_HDRS)
	@$(PYTHON) grader/report.py --root $(ROOT) $(foreach c,$(SELECTED),$(B)/$(EDITION)/$(c)) \
	  $(if $(CH),,--library $(B)/lib) $(if $(TEACHER),--teacher)

progress: $(B)/.deps-build
	$(NEED_WB)
	@[ $(EDITION) = ref ] && echo "Progress of the reference chapters (make workbook to start your own):" || \
	  echo "Progress of your workbook in $(WB)/:"
	@$(MAKE) --no-print-directory -s check CH= >/dev/null 2>&1 || true
	@$(PYTHON) grader/report.py --progress --root $(ROOT) $(foreach c,$(CHAPTERS),$(B)/$(EDITION)/$(c))

workbook:
	@$(PYTHON) grader/workbook.py --src chapters --dst $(WB)

watch:
ifndef CH
	$(error make watch needs a chapter: make watch CH=01)
endif
	$(NEED_WB)
	@tools/deps.sh build watch
	@grader/watch.sh $(CH) $(CHAPTER) $(WB)

# Every number the prose quotes (chapters/NN_name/numbers.tsv) against the default run's output in
# out/NN/ (run.txt is what make run printed); a chapter that has not run yet is run first.
numbers: $(B)/.deps-build
	@for c in $(SELECTED); do n=$${c%%_*}; \
	  [ ! -f chapters/$$c/numbers.tsv ] || [ -f out/$$n/run.txt ] || \
	    $(MAKE) --no-print-directory run CH=$$n REF=1 </dev/null >/dev/null || exit 1; \
	done
	@$(PYTHON) grader/numbers.py $(if $(CH),$(CH))

selfcheck: $(B)/.deps-build
	@grader/selfcheck.sh

# The record of each test's assertion count on the reference (a test that stops early made fewer):
# regenerate and commit chapters/*/expected_asserts.tsv after changing a test file.
# --- for the student: the next exercise, graduated hints, an exercise back to its stub -----------
next: $(B)/.deps-build
	@$(PYTHON) grader/student.py next --wb $(WB)

hint:
	@$(PYTHON) grader/student.py hint "$(EX)" --wb $(WB) $(if $(LEVEL),--level $(LEVEL))

reset:
	@$(PYTHON) grader/student.py reset "$(EX)" --wb $(WB)

# What the student hands in: NAME.tar.gz, the chapter sources of $(WB)/ and the course's commit
# (grader/release.py --submit), which make grade-class takes as it is.
submit:
	@$(PYTHON) grader/release.py --submit "$(NAME)" --wb $(WB)

# --- for the teacher: a class graded in the sandbox, the batch grader's own test, a release -----
grade-class: $(B)/.deps-build
ifndef DIR
	$(error make grade-class needs DIR=<directory of submissions> OUT=<gradebook directory>)
endif
	@tools/deps.sh sandbox
	@$(PYTHON) grader/batch.py "$(DIR)" "$(or $(OUT),gradebook)" --build $(B) $(if $(CHAPTERS),--chapters $(CHAPTERS))

classcheck: $(B)/.deps-build
	@tools/deps.sh sandbox
	@$(PYTHON) grader/classcheck.py --build $(B)

release: $(B)/.deps-build
	@$(PYTHON) grader/release.py "$(or $(OUT),release)"

expected-asserts: $(B)/.deps-build
	@$(MAKE) --no-print-directory -s check REF=1 >/dev/null 2>&1 || true
	@$(PYTHON) grader/asserts.py --write $(foreach c,$(SELECTED),$(B)/ref/$(c))

# Figures come from out/NN/; a chapter that has not run yet is run with its default flags first,
# CHECK_JOBS chapters at a time, each printing into out/NN/book-run.log (shown if the run fails).
# A run that stops early but drew its figures (chapter 13 without a GPU) is still rendered.
book:
	@tools/deps.sh build run book
	@$(MAKE) --no-print-directory -s -j$(CHECK_JOBS) $(foreach c,$(CHAPTERS),$(B)/ref/$(c)/prog)
	@for c in $(CHAPTERS); do n=$${c%%_*}; [ -f out/$$n/loss.svg ] || echo $$n; done | \
	  xargs -r -P $(CHECK_JOBS) -I{} sh -c 'mkdir -p out/{}; echo "running chapter {} (make run CH={})"; \
	    if $(MAKE) --no-print-directory run CH={} $(if $(RELEASE),,REF=1) </dev/null >out/{}/book-run.log 2>&1 || \
	       ls out/{}/*.svg >/dev/null 2>&1; then echo "chapter {}: done"; \
	    else cat out/{}/book-run.log; echo "chapter {}: the run failed"; exit 1; fi'
	@bash book/build.sh

bench: $(B)/.deps-build
	@$(MAKE) --no-print-directory -s $(foreach c,$(CHAPTERS),$(B)/ref/$(c)/prog) $(B)/bench/sgemm
	@tools/bench.sh $(B)

$(B)/bench/sgemm: tools/bench_sgemm.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) $< $(LIB) $(LDFLAGS) $(PKG_LIBS) -o $@

# --- fuzzing: one libFuzzer harness per parser of outside input (fuzz/README.md) --------------
# Each runs FUZZ_SECONDS from the committed seeds (fuzz/seeds/NAME) plus what earlier runs found
# (build-fuzz/corpus/NAME, not committed); a crash lands in build-fuzz/crashes/ and becomes a
# committed input of fuzz/regressions/NAME/ that make check replays (common/tests/test_fuzz.c).
FUZZ_CC      ?= clang-14
FUZZ_SECONDS ?= 60
FUZZ_ALL     := idx checkpoint csv text edgelist flags
FUZZ         ?= $(FUZZ_ALL)
FUZZ_FLAGS   := -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
                -std=gnu11 -Icommon -DNN_LIBFUZZER
FUZZ_LIBSRC  := common/error.c common/io.c common/idx.c common/checkpoint.c common/csv.c common/text.c \
                common/edgelist.c common/flags.c

build-fuzz/fuzz_%: fuzz/fuzz_%.c fuzz/fuzz.h $(FUZZ_LIBSRC) $(LIB_HDRS)
	@tools/deps.sh fuzz
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) $< $(FUZZ_LIBSRC) -lz -lm -o $@

# The harnesses run CHECK_JOBS at a time (each is one process).
fuzz: $(foreach f,$(FUZZ),build-fuzz/fuzz_$(f))
	@mkdir -p build-fuzz/crashes
	@printf '%s\n' $(FUZZ) | xargs -P $(CHECK_JOBS) -I{} sh -c '\
	  f={}; mkdir -p build-fuzz/corpus/$$f; \
	  build-fuzz/fuzz_$$f -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
	    -print_final_stats=1 -artifact_prefix=build-fuzz/crashes/$$f- build-fuzz/corpus/$$f fuzz/seeds/$$f \
	    >build-fuzz/$$f.log 2>&1 || { tail -40 build-fuzz/$$f.log; \
	    echo "fuzz_$$f found a crash: build-fuzz/crashes/ (commit it to fuzz/regressions/$$f/ with the fix)"; exit 1; }; \
	  echo "fuzz_$$f, $(FUZZ_SECONDS) s: $$(grep -E "stat::number_of_executed_units|stat::average_exec_per_sec|stat::new_units_added" \
	    build-fuzz/$$f.log | tr "\n" " ")corpus: $$(ls build-fuzz/corpus/$$f | wc -l) files"'

clean:
	rm -rf build build-san build-fuzz out book/out
