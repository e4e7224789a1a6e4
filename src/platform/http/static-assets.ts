import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { GOVUK_FRONTEND_DIR, PROJECT_ROOT, SOURCE_DIR } from '../config/paths.js';

/**
 * GOV.UK Frontend's fonts, images and CSS, our own stylesheet and scripts, and the browser half of
 * SimpleWebAuthn (its prebuilt bundle, for security keys); all public, all same-origin files, as
 * the CSP requires.
 */
export async function registerStaticAssets(app: FastifyInstance): Promise<void> {
  await app.register(async (assets) => {
    // Routes added inside this plugin are public assets: declare it, as every route must.
    assets.addHook('onRoute', (route) => {
      route.config = { ...(route.config ?? {}), access: 'public' };
      route.schema = { ...(route.schema ?? {}), hide: true };
    });
    const cache = { maxAge: '1d', immutable: false, cacheControl: true } as const;
    await assets.register(fastifyStatic, { root: path.join(GOVUK_FRONTEND_DIR, 'govuk', 'assets'), prefix: '/assets/', ...cache });
    await assets.register(fastifyStatic, {
      root: path.join(GOVUK_FRONTEND_DIR, 'govuk'),
      prefix: '/stylesheets/',
      allowedPath: (pathName) => pathName === '/govuk-frontend.min.css',
      decorateReply: false,
      ...cache,
    });
    await assets.register(fastifyStatic, { root: path.join(SOURCE_DIR, 'platform', 'views', 'public'), prefix: '/public/', decorateReply: false, ...cache });
    await assets.register(fastifyStatic, {
      root: path.join(PROJECT_ROOT, 'node_modules', '@simplewebauthn', 'browser', 'dist', 'bundle'),
      prefix: '/vendor/simplewebauthn/',
      allowedPath: (pathName) => pathName === '/index.umd.min.js',
      decorateReply: false,
      ...cache,
    });
  });
}
