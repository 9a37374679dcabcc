-- litc.lua: a pandoc custom reader for the course's literate C chapters.
--
--   pandoc -f book/litc.lua chapters/01_perceptron/01_perceptron.c -o page.html
--
-- A chapter is read top to bottom:
--   * prose:  a comment that opens with a line that is exactly `/*md` and closes with a
--             line that is exactly `*/`; what lies between is pandoc Markdown;
--   * code:   every other line; consecutive code lines become one C listing;
--   * exercise regions inside code,
--         /* BEGIN EXERCISE 01.2 (3 points): the perceptron update rule */
--         ... reference solution ...
--         /* END EXERCISE */
--     become a boxed task (Div.exercise) whose solution is folded in <details>.
--
-- Given several files (the one-page book), each becomes a Div.chapter of its own.
-- Written for pandoc 2.17 (the first version whose custom readers get a list of sources).

local BEGIN_EX = "^%s*/%* BEGIN EXERCISE (%d%d)%.(%d+) %((%d+) points?%): (.-) %*/%s*$"
local END_EX = "^%s*/%* END EXERCISE %*/%s*$"
local PROSE_OPEN = "^/%*md%s*$"
local PROSE_CLOSE = "^%*/%s*$"

-- Stop pandoc with a message that names the file and line (no Lua stack trace).
local function fail(file, lineno, msg)
  io.stderr:write(string.format("litc: %s:%d: %s\n", file, lineno, msg))
  os.exit(1)
end

-- Join lines into a code block's text: drop blank lines at both ends.
local function trim_lines(lines)
  local first, last = 1, #lines
  while first <= last and lines[first]:match("^%s*$") do first = first + 1 end
  while last >= first and lines[last]:match("^%s*$") do last = last - 1 end
  return table.concat(lines, "\n", first, last)
end

-- Remove the indentation that all non-blank lines share (a solution cut out of a function body).
local function dedent(text)
  local indent
  for line in (text .. "\n"):gmatch("(.-)\n") do
    if line:match("%S") then
      local lead = line:match("^[ \t]*")
      if not indent or #lead < #indent then indent = lead end
    end
  end
  if not indent or indent == "" then return text end
  local out = {}
  for line in (text .. "\n"):gmatch("(.-)\n") do out[#out + 1] = line:sub(#indent + 1) end
  return table.concat(out, "\n")
end

-- Markdown text -> list of blocks.
local function markdown(text)
  return pandoc.read(text, "markdown").blocks
end

-- Markdown text of one line -> inlines (for an exercise title that may hold `code` or $math$).
local function markdown_inlines(text)
  return pandoc.utils.blocks_to_inlines(markdown(text))
end

-- The boxed task for one exercise region.
local function exercise_box(chapter, number, points, title, solution)
  local n = tonumber(points)
  local heading = pandoc.Header(3,
    { pandoc.Str("Exercise " .. chapter .. "." .. number), pandoc.Space(),
      pandoc.Str("·"), pandoc.Space(),
      pandoc.Str(n .. (n == 1 and " point" or " points")), pandoc.Space(),
      pandoc.Str("—"), pandoc.Space() },
    pandoc.Attr("exercise-" .. chapter .. "-" .. number))
  heading.content:extend(markdown_inlines(title))
  local task = markdown("In the workbook (`make workbook`) this part of the code above is a stub "
    .. "for you to write; `make check CH=" .. chapter .. "` grades it.")
  local blocks = { heading }
  for _, b in ipairs(task) do blocks[#blocks + 1] = b end
  -- A student release's chapters hold only the stub: its book folds no solution.
  local code = dedent(trim_lines(solution))
  if not code:match("^%s*TODO%(%d+, %d+%);[^\n]*%s*$") then
    blocks[#blocks + 1] = pandoc.RawBlock("html",
      "<details>\n<summary>Show the reference solution</summary>")
    blocks[#blocks + 1] = pandoc.CodeBlock(code, pandoc.Attr("", { "c" }))
    blocks[#blocks + 1] = pandoc.RawBlock("html", "</details>")
  end
  return pandoc.Div(blocks, pandoc.Attr("", { "exercise" }))
end

-- Parse one chapter file into blocks. Returns blocks, title (inlines or nil).
local function read_chapter(file, text, chapter)
  local blocks = {}
  local code, prose, solution = {}, nil, nil -- prose/solution: lines while inside one
  local ex, prose_start -- the open exercise {number, points, title, line}; where prose began

  local function flush_code()
    local t = trim_lines(code)
    if t ~= "" then blocks[#blocks + 1] = pandoc.CodeBlock(t, pandoc.Attr("", { "c" })) end
    code = {}
  end

  local lineno = 0
  for line in text:gmatch("([^\n]*)\n?") do
    lineno = lineno + 1
    line = line:gsub("\r$", "")
    if prose then
      if line:match(PROSE_CLOSE) then
        -- Prose spells `*/` as `*\/` (a real one ends the C comment) and `/*` as `/\*` (gcc's
        -- -Wcomment warns about it): put them back, in code spans too.
        local md = table.concat(prose, "\n"):gsub("%*\\/", "*/"):gsub("/\\%*", "/*")
        for _, b in ipairs(markdown(md)) do blocks[#blocks + 1] = b end
        prose = nil
      elseif line:match("^%s+%*/%s*$") then
        fail(file, lineno, "the line that closes prose must be exactly `*/`, at column 0")
      elseif line:find("*/", 1, true) then
        fail(file, lineno, "`*/` inside prose ends the C comment; write `*\\/` instead")
      else
        prose[#prose + 1] = line
      end
    elseif line:match(PROSE_OPEN) then
      if ex then fail(file, lineno, "prose (/*md) inside exercise " .. ex.number .. " (begun on line " .. ex.line .. ")") end
      flush_code()
      prose, prose_start = {}, lineno
    elseif line:match(BEGIN_EX) then
      local nn, number, points, title = line:match(BEGIN_EX)
      if ex then fail(file, lineno, "exercise begins inside exercise " .. ex.number) end
      if chapter and nn ~= chapter then
        fail(file, lineno, "exercise " .. nn .. "." .. number .. " in chapter " .. chapter)
      end
      flush_code()
      ex = { nn = nn, number = nn .. "." .. number, n = number, points = points, title = title, line = lineno }
      solution = {}
    elseif line:match(END_EX) then
      if not ex then fail(file, lineno, "END EXERCISE without a BEGIN EXERCISE") end
      blocks[#blocks + 1] = exercise_box(ex.nn, ex.n, ex.points, ex.title, solution)
      ex, solution = nil, nil
    elseif ex then
      solution[#solution + 1] = line
    else
      code[#code + 1] = line
    end
  end
  if prose then fail(file, prose_start, "/*md prose is never closed by a line `*/`") end
  if ex then fail(file, ex.line, "exercise " .. ex.number .. " has no END EXERCISE") end
  flush_code()

  local title
  for _, b in ipairs(blocks) do
    if b.t == "Header" and b.level == 1 then title = b.content; break end
  end
  return blocks, title
end

-- Give repeated header ids a suffix (-1, -2, ...): every prose chunk is parsed on its own, so
-- two sections called "Training" would otherwise share one id.
local function unique_ids(blocks)
  local seen = {}
  return pandoc.walk_block(pandoc.Div(blocks), {
    Header = function(h)
      if h.identifier ~= "" then
        local id, k = h.identifier, 0
        while seen[id] do k = k + 1; id = h.identifier .. "-" .. k end
        seen[id] = true
        h.identifier = id
        return h
      end
    end,
  }).content
end

function Reader(input, opts)
  local all, title = {}, nil
  for _, source in ipairs(input) do
    local file = source.name ~= "" and source.name or "<stdin>"
    local chapter = file:match("(%d%d)_[^/]*%.c$") -- "01" for .../01_perceptron.c
    local blocks, t = read_chapter(file, source.text, chapter)
    title = title or t
    if chapter then
      -- A small "Chapter 01" line above the title, and a wrapper the CSS and filters can see.
      table.insert(blocks, 1, pandoc.Para({ pandoc.Str("Chapter " .. chapter) }))
      blocks[1] = pandoc.Div({ blocks[1] }, pandoc.Attr("", { "kicker" }))
      blocks = { pandoc.Div(blocks, pandoc.Attr("ch-" .. chapter, { "chapter" },
        { { "source", file } })) }
    end
    for _, b in ipairs(blocks) do all[#all + 1] = b end
  end
  local meta = {}
  if title then meta.title = pandoc.MetaInlines(title) end
  return pandoc.Pandoc(unique_ids(all), pandoc.Meta(meta))
end
