// The shell: navigation, the namespace the lists look at, the token (only when the server asks for one), the pages.
import { useState } from 'react';
import { ErrorBoundary } from './components/ErrorBoundary';
import { token } from './lib/api';
import { useRoute } from './lib/router';
import { Compare } from './pages/Compare';
import { Experiments } from './pages/Experiments';
import { PipelineDetail } from './pages/PipelineDetail';
import { Pipelines } from './pages/Pipelines';
import { RunDetail } from './pages/RunDetail';
import { Runs } from './pages/Runs';

const NS_KEY = 'pipewright.namespace';

function TokenForm({ onDone }: { onDone: () => void }) {
  const [value, setValue] = useState('');
  return (
    <form className="token" onSubmit={(e) => { e.preventDefault(); token.set(value); onDone(); }}>
      <label htmlFor="token-input">Kubernetes token</label>
      <input id="token-input" type="password" value={value} onChange={(e) => setValue(e.target.value)} placeholder="kubectl create token <serviceaccount>" autoComplete="off" />
      <button type="submit">Use token</button>
      {token.get() && <button type="button" onClick={() => { token.set(''); onDone(); }}>Forget token</button>}
    </form>
  );
}

export function App() {
  const route = useRoute();
  const [namespace, setNamespace] = useState(() => localStorage.getItem(NS_KEY) ?? '');
  const [showToken, setShowToken] = useState(false);
  const [epoch, setEpoch] = useState(0);
  const section = route.path[0] ?? 'runs';
  const changeNs = (ns: string): void => {
    localStorage.setItem(NS_KEY, ns);
    setNamespace(ns);
  };
  let page;
  if (section === 'runs' && route.path[1] === 'details' && route.path[2]) page = <RunDetail id={route.path[2]} />;
  else if (section === 'experiments' && route.path[1] === 'details' && route.path[2]) page = <Runs namespace={namespace} experimentId={route.path[2]} query={route.query} />;
  else if (section === 'experiments') page = <Experiments namespace={namespace} />;
  else if (section === 'compare') page = <Compare ids={(route.query.get('runs') ?? '').split(',').filter(Boolean)} />;
  else if (section === 'pipelines' && route.path[1] === 'details' && route.path[2]) page = <PipelineDetail id={route.path[2]} versionId={route.path[4]} namespace={namespace} />;
  else if (section === 'pipelines') page = <Pipelines namespace={namespace} />;
  else page = <Runs namespace={namespace} query={route.query} />;
  const nav = [['runs', 'Runs'], ['experiments', 'Experiments'], ['pipelines', 'Pipelines']] as const;
  return (
    <div className="app">
      <a className="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>Skip to content</a>
      <header>
        <span className="brand">Pipewright</span>
        <nav aria-label="Sections">
          {nav.map(([id, label]) => <a key={id} href={`#/${id}`} aria-current={section === id ? 'page' : undefined}>{label}</a>)}
        </nav>
        <label className="ns">
          <span>Namespace</span>
          <input value={namespace} onChange={(e) => changeNs(e.target.value.trim())} placeholder="server default" spellCheck={false} />
        </label>
        <button type="button" className="link" onClick={() => setShowToken((s) => !s)} aria-expanded={showToken}>Token</button>
      </header>
      {showToken && <TokenForm onDone={() => { setShowToken(false); setEpoch((n) => n + 1); }} />}
      <main id="main" tabIndex={-1} key={epoch}><ErrorBoundary key={route.path.join("/")}>{page}</ErrorBoundary></main>
    </div>
  );
}
