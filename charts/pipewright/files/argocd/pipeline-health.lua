-- Argo CD health check for pipewright.dev/Pipeline (resource.customizations.health.pipewright.dev_Pipeline).
-- The controller validates each Pipeline once per generation: valid → Healthy, invalid → Degraded with the
-- problems; not yet validated (or an older generation) → Progressing.
local hs = { status = "Progressing", message = "waiting for the controller to validate the pipeline" }
if obj.status == nil or obj.status.valid == nil then
  return hs
end
local generation = obj.metadata.generation
local observed = obj.status.observedGeneration
if generation ~= nil and observed ~= nil and observed < generation then
  return hs
end
if obj.status.valid then
  hs.status = "Healthy"
  hs.message = "pipeline is valid"
else
  hs.status = "Degraded"
  hs.message = "invalid pipeline: " .. (obj.status.message or "see status.conditions")
end
return hs
