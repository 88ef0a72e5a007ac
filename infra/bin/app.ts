#!/usr/bin/env node
// The CDK app entry (cdk.json → `npx tsx infra/bin/app.ts`): all composition lives in infra/lib.
import { App } from 'aws-cdk-lib';
import { buildApp } from '../lib/lookbook-app.ts';

buildApp(new App());
