-- Finding a note's vault.  vim.fs.find/vim.fs.root only exist from 0.8/0.10,
-- so this walks up with fs_stat, which 0.7 has.
local uv = require("vaultkit.compat").uv

local M = {}

local function exists(path)
  return uv.fs_stat(path) ~= nil
end

local function parent(dir)
  local up = vim.fn.fnamemodify(dir, ":h")
  if up == dir then
    return nil
  end
  return up
end

--- The root for a file: the nearest folder upwards holding one of the markers
--- of the first group that matches anywhere.  With the default groups
--- { { ".obsidian", ".vaultkit.toml" }, { ".git" } } a vault inside a git
--- repository is found by its `.obsidian` even when `.git` is further up.
--- Returns nil when no marker is found.
function M.find(path, groups)
  if path == nil or path == "" then
    return nil
  end
  local start = vim.fn.fnamemodify(path, ":p")
  if vim.fn.isdirectory(start) == 0 then
    start = vim.fn.fnamemodify(start, ":h")
  end
  start = start:gsub("[/\\]$", "")
  if start == "" then
    start = "/"
  end
  for _, markers in ipairs(groups) do
    if type(markers) == "string" then
      markers = { markers }
    end
    local dir = start
    while dir do
      for _, marker in ipairs(markers) do
        if exists(dir .. "/" .. marker) then
          return dir
        end
      end
      dir = parent(dir)
    end
  end
  return nil
end

return M
