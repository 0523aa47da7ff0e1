-- Argo CD health check for pipewright.dev/PipelineRun (resource.customizations.health.pipewright.dev_PipelineRun).
-- Running or not yet seen by the controller: Progressing. Succeeded: Healthy. Failed, Error, Cancelled: Degraded,
-- so a failed run degrades the app and a run used as a sync hook fails the sync.
-- Uses only the base library: Argo CD does not open string or math for health scripts.
local words = { Pending = "pending", Running = "running", Failed = "failed", Error = "ended in error", Cancelled = "cancelled" }
local hs = { status = "Progressing", message = "waiting for the controller" }
if obj.status == nil or obj.status.phase == nil then
  return hs
end
local phase = obj.status.phase
local detail = obj.status.message
local progress = obj.status.progress or ""
if phase == "Succeeded" then
  hs.status = "Healthy"
  hs.message = "run succeeded (" .. progress .. " tasks)"
  return hs
end
if phase == "Failed" or phase == "Error" or phase == "Cancelled" then
  hs.status = "Degraded"
  local reason = phase
  if obj.status.conditions ~= nil then
    for _, c in ipairs(obj.status.conditions) do
      if c.type == "Succeeded" and c.reason ~= nil then
        reason = c.reason
      end
    end
  end
  hs.message = reason .. ": " .. (detail or ("run " .. (words[phase] or phase)))
  return hs
end
hs.message = "run " .. (words[phase] or phase) .. " (" .. progress .. " tasks done)"
if detail ~= nil then
  hs.message = hs.message .. ": " .. detail
end
return hs
