// Worker bootstrap: registers tsx's loader in this thread (loader hooks are per thread), then
// runs the TypeScript worker. Workers parse file ranges for the egress scanner.
import { register } from 'tsx/esm/api';
register();
await import('./worker-impl.ts');
