// The `--import ts-otel-run/register` entry. Both flavours share one start-once guard.
import './register.js';
