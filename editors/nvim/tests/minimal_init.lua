-- Minimal init for the headless end-to-end test: this repository's plugin
-- and nothing else.  VAULTKIT_E2E_CMD (a JSON list) overrides the server command.
local here = vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h")
vim.opt.runtimepath:prepend(vim.fn.fnamemodify(here, ":h"))
vim.o.hidden = true
vim.o.swapfile = false
vim.cmd("filetype on")

local cmd = nil
if vim.env.VAULTKIT_E2E_CMD and vim.env.VAULTKIT_E2E_CMD ~= "" then
  cmd = vim.fn.json_decode(vim.env.VAULTKIT_E2E_CMD)
end
require("vaultkit").setup({ cmd = cmd, open_graph = false })
