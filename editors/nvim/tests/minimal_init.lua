-- Minimal init for the headless end-to-end test: this repository's plugin
-- and nothing else.  VAULTKIT_E2E_CMD (a JSON list) overrides the server command,
-- VAULTKIT_E2E_SETTINGS (a JSON object) is passed as the server settings.
local here = vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h")
vim.opt.runtimepath:prepend(vim.fn.fnamemodify(here, ":h"))
vim.o.hidden = true
vim.o.swapfile = false
vim.cmd("filetype on")

local cmd = nil
if vim.env.VAULTKIT_E2E_CMD and vim.env.VAULTKIT_E2E_CMD ~= "" then
  cmd = vim.fn.json_decode(vim.env.VAULTKIT_E2E_CMD)
end
local settings = nil
if vim.env.VAULTKIT_E2E_SETTINGS and vim.env.VAULTKIT_E2E_SETTINGS ~= "" then
  settings = vim.fn.json_decode(vim.env.VAULTKIT_E2E_SETTINGS)
end
require("vaultkit").setup({ cmd = cmd, settings = settings, open_graph = false })
