import { stringify } from 'yaml';
import { limitsFromEnv } from './limits.js';
import { loopItemCount, rootParameterLoops } from './loop-inputs.js';
import { parsePipelineText } from './parse-text.js';
import { validateArguments } from './validate-args.js';
import { validatePipeline } from './validate.js';

const spec = (items: unknown[]): string => stringify({
  apiVersion: 'pipewright.dev/v1alpha1', kind: 'PipelineSpec', metadata: { name: 'loops' },
  spec: { params: [{ name: 'xs', type: 'list', default: items }], tasks: [{ name: 'each', image: 'busybox', command: ['true'], loop: { from: 'params.xs', as: 'item' } }] },
});

describe('a root loop over a pipeline parameter: validate and the runtime agree on the loop-item limit', () => {
  const lim = limitsFromEnv({ PIPEWRIGHT_MAX_LOOP_ITEMS: '5' });

  it('finds the loop and its parameter', () => {
    expect(rootParameterLoops(parsePipelineText(spec([1])))).toEqual([{ task: 'each', parameter: 'xs' }]);
  });

  it('counts lists and JSON strings of lists, nothing else', () => {
    expect([loopItemCount([1, 2]), loopItemCount('[1,2,3]'), loopItemCount(' [ ]'), loopItemCount('[oops'), loopItemCount('abc'), loopItemCount(3), loopItemCount(undefined)])
      .toEqual([2, 3, 0, undefined, undefined, undefined, undefined]);
  });

  it('a default over the limit is refused by validate, naming the parameter and the setting', () => {
    const d = validatePipeline(parsePipelineText(spec([1, 2, 3, 4, 5, 6])), 'p.yaml', lim);
    expect(d.filter((x) => x.code === 'TOO_MANY_LOOP_ITEMS')).toEqual([expect.objectContaining({
      location: expect.objectContaining({ path: 'spec.params[xs].default', task: 'each' }), message: expect.stringContaining('parameter "xs", whose default has 6 items'), fix: expect.stringContaining('PIPEWRIGHT_MAX_LOOP_ITEMS'),
    })]);
    expect(validatePipeline(parsePipelineText(spec([1, 2, 3, 4, 5])), 'p.yaml', lim).filter((x) => x.code === 'TOO_MANY_LOOP_ITEMS')).toEqual([]);
  });

  it('an argument over the (default) limit is refused with the arguments, a JSON string of a list too', () => {
    const p = parsePipelineText(spec([1]));
    expect(validateArguments(p, { xs: JSON.stringify(Array.from({ length: 10_001 }, (_, i) => i)) }).diagnostics).toEqual([
      expect.objectContaining({ code: 'TOO_MANY_LOOP_ITEMS', location: expect.objectContaining({ path: '--arg xs' }), message: expect.stringContaining('argument "xs", which has 10001 items') }),
    ]);
    expect(validateArguments(p, { xs: [1, 2, 3] }).diagnostics).toEqual([]);
  });
});
