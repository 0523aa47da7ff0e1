import { describe, expect, it } from '@jest/globals';
import { failureCause } from './failure-cause.js';

const DUMP = ['INFO:root:Got executor_input:', '{', '    "inputs": {', '        "parameterValues": {', '            "n": 3,', '            "name": "x"', '        }', '    },', '    "outputs": {}', '}'];

describe('failureCause', () => {
  it('takes the exception line of a Python traceback, not its tail', () => {
    const log = [...DUMP, 'Traceback (most recent call last):', '  File "/usr/lib/python3.11/runpy.py", line 198, in _run_module_as_main', '    return _run_code(code, main_globals, None,', '  File "/tmp/x/ephemeral_component.py", line 7, in fetch', '    raise ConnectionError(f"cannot resolve {host}")', '    ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^', 'ConnectionError: cannot resolve data.example: Name or service not known', ''];
    expect(failureCause(log)).toBe('ConnectionError: cannot resolve data.example: Name or service not known');
  });

  it('takes the last exception of chained tracebacks, also when the header was cut off', () => {
    const log = ['  File "a.py", line 1, in f', 'KeyError: \'k\'', '', 'During handling of the above exception, another exception occurred:', '', 'Traceback (most recent call last):', '  File "a.py", line 3, in g', 'ValueError: no k given'];
    expect(failureCause(log.join('\n'))).toBe('ValueError: no k given');
  });

  it('never returns a fragment of the executor input dump', () => {
    expect(failureCause([...DUMP, 'nope'])).toBe('nope');
    expect(failureCause(DUMP)).toBeUndefined();
    // Truncated by the kubelet: the dump's header is gone, its keys and braces remain.
    expect(failureCause(['            "n": 3,', '        }', '    },', '}', 'bye'])).toBe('bye');
  });

  it('takes the first line that reads as an error, skipping pip noise, else the last line', () => {
    expect(failureCause(["ERROR: pip's dependency resolver does not currently take into account all the packages", 'downloading', 'curl: (6) Could not resolve host: data.example', 'retrying', 'giving up'])).toBe('curl: (6) Could not resolve host: data.example');
    expect(failureCause('step 1\nstep 2\n')).toBe('step 2');
    expect(failureCause(['', '  '])).toBeUndefined();
  });

  it('keeps one line of bounded length', () => {
    const cause = failureCause([`Error: ${'x'.repeat(1000)}`])!;
    expect(cause.length).toBe(400);
    expect(cause.endsWith('…')).toBe(true);
  });
});
