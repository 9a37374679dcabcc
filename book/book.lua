-- book.lua: the pandoc filter that runs after litc.lua (pandoc ... -L book/book.lua).
--
--   * ```dot blocks  -> drawn by Graphviz (`dot -Tsvg`), the SVG embedded in the page;
--   * links to a chapter's source (`chapters/NN_x/NN_x.c#sec`) -> its page (`NN_x.html#sec`);
--   * meta.chapters  -> a list {id, number, title} of the chapters, for the one-page book's
--                       contents (pandoc's --toc does not look inside the chapter Divs);
--   * figure paths   -> `out/NN/f` (what a chapter run writes) and `chapters/NN_x/f` (figures
--                       committed with a chapter) become `figures/NN/f`, where build.sh copies
--                       them; a figure that does not exist stops the build with a hint.
--
-- Paths are relative to the repository root: build.sh runs pandoc from there.

local missing = {} -- "message" lines, reported together at the end
local ndot = 0     -- dot drawings so far on this page (to keep SVG ids unique)

local function exists(path)
  local f = io.open(path, "rb")
  if f then f:close() return true end
  return false
end

-- The chapter a block lives in ("01_perceptron"), from the Div.chapter that litc.lua made.
local function chapter_name(div)
  local src = div.attributes and div.attributes.source or ""
  return src:match("([^/]+)%.c$") or src
end

-- Map a figure path to its place in book/out, or nil if it is not a chapter figure.
local function figure_target(src)
  local nn, file = src:match("^out/(%d%d)/(.+)$")
  if not nn then nn, file = src:match("^chapters/(%d%d)_[^/]+/([^/]+)$") end
  if nn then return "figures/" .. nn .. "/" .. file, nn end
end

local function image(img, chapter)
  local target, nn = figure_target(img.src)
  if not target then return nil end
  if not exists(img.src) then
    local hint = img.src:match("^out/") and ("run `make run CH=" .. nn .. "` first")
      or "is it committed?"
    missing[#missing + 1] = string.format("chapter %s: figure %s is missing; %s",
      chapter, img.src, hint)
  end
  img.src = target
  return img
end

-- A link to a chapter's source file leads to that chapter's page.
local function link(l)
  local name, frag = l.target:match("^chapters/(%d%d_[^/]+)/%1%.c(#?.*)$")
  if name then
    l.target = name .. ".html" .. frag
    return l
  end
end

-- Graphviz source -> inline SVG. Ids get a per-drawing prefix: dot names every drawing's
-- parts graph0, node1, ... and two drawings on one page would otherwise clash.
local function dot(block, chapter)
  ndot = ndot + 1
  local ok, svg = pcall(pandoc.pipe, "dot", { "-Tsvg", "-Gbgcolor=transparent",
    "-Gfontname=Helvetica", "-Nfontname=Helvetica", "-Efontname=Helvetica" }, block.text)
  if not ok then -- dot has printed its own message (with the line inside the block)
    io.stderr:write("book: chapter ", chapter, ": a ```dot block does not draw (dot's message above)\n")
    os.exit(1)
  end
  local p = "dot" .. ndot .. "-"
  svg = svg:gsub("^.-<svg", "<svg")                 -- drop the <?xml?> prolog and DOCTYPE
           :gsub('id="', 'id="' .. p)
           :gsub('url%(#', 'url(#' .. p)
           :gsub('href="#', 'href="#' .. p)
           :gsub("<!%-%-.-%-%->\n?", "")          -- dot's comments
  return pandoc.RawBlock("html", '<figure class="graphviz">\n' .. svg .. "</figure>")
end

function Pandoc(doc)
  local function walk(blocks, chapter)
    return pandoc.walk_block(pandoc.Div(blocks), {
      Image = function(img) return image(img, chapter) end,
      Link = link,
      CodeBlock = function(cb) if cb.classes:includes("dot") then return dot(cb, chapter) end end,
    }).content
  end
  -- Walk each chapter's Div on its own, so messages can name the chapter.
  local blocks, chapters = {}, {}
  for _, b in ipairs(doc.blocks) do
    if b.t == "Div" and b.classes:includes("chapter") then
      b.content = walk(b.content, chapter_name(b))
      blocks[#blocks + 1] = b
      for _, h in ipairs(b.content) do
        if h.t == "Header" and h.level == 1 then
          chapters[#chapters + 1] = pandoc.MetaMap({ id = b.identifier,
            number = chapter_name(b):sub(1, 2), title = pandoc.MetaInlines(h.content) })
          break
        end
      end
    else
      for _, x in ipairs(walk({ b }, "?")) do blocks[#blocks + 1] = x end
    end
  end
  if #missing > 0 then
    for _, m in ipairs(missing) do io.stderr:write("book: ", m, "\n") end
    os.exit(1)
  end
  doc.blocks = blocks
  doc.meta.chapters = pandoc.MetaList(chapters)
  return doc
end
