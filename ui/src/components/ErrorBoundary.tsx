// A page that throws while rendering shows the error instead of blanking the whole UI; the next route resets it.
import { Component, type ReactNode } from 'react';

export class ErrorBoundary extends Component<{ children: ReactNode }, { error?: Error }> {
  state: { error?: Error } = {};

  static getDerivedStateFromError(error: Error): { error: Error } {
    return { error };
  }

  render(): ReactNode {
    if (this.state.error) return <p className="error" role="alert">This page failed to render: {this.state.error.message}</p>;
    return this.props.children;
  }
}
