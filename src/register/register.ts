// The `--require ts-otel-run/register` entry (and what the `--import` entry runs).
import { startFromEnvironment } from './start';

startFromEnvironment();
