import path from 'node:path';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { PROJECT_ROOT } from '../platform/config/paths.js';
import { ConfigError, loadConfig, type Config, type ConfigOverrides } from '../platform/config/config.js';
import { createLogger, type Logger } from '../platform/logging/logger.js';
import { DomainError } from '../platform/http/errors.js';
import { MigrationError } from '../platform/db/migrate.js';
import { systemClock } from '../platform/time/clock.js';
import { randomToken } from '../platform/crypto/tokens.js';
import { totpCode } from '../accounts/totp.js';
import { ACCOUNT_ROLES } from '../accounts/roles.js';
import { DEMO_ACCOUNTS, DEMO_PASSWORD, DEMO_TOTP_SECRET } from '../demo/demo-accounts.js';
import { DEMO_CHILDREN } from '../demo/demo-directory.js';
import { describeScenarios, formatScenarios } from '../demo/scenarios.js';
import { cliProgressBar } from '../platform/progress/progress-bar.js';
import { registerMatchCommands } from '../matching/match.cli.js';
import { registerAuditCommands } from '../audit/audit.cli.js';
import { registerOversightCommands } from '../oversight/oversight.cli.js';
import { registerImportCommand } from '../imports/import.cli.js';
import { registerKeyCommands } from '../children/key-rotation.cli.js';
import { openRuntime, type Runtime } from './runtime.js';
import { createServices, type Services } from './services.js';

interface GlobalOptions {
  dataDir?: string;
  databaseUrl?: string;
  verbose?: boolean;
}

const positiveInt = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number');
  return n;
};

function configFrom(program: Command, extra: ConfigOverrides = {}): Config {
  const global = program.opts<GlobalOptions>();
  return loadConfig(process.env, { dataDir: global.dataDir, databaseUrl: global.databaseUrl, ...extra });
}

/** CLI output: quiet logs unless --verbose, so people see results, not log lines. */
function cliLogger(program: Command, config: Config): Logger {
  return createLogger({ logLevel: program.opts<GlobalOptions>().verbose ? 'info' : config.logLevel === 'info' ? 'warn' : config.logLevel });
}

async function withServices<T>(program: Command, work: (services: Services, runtime: Runtime) => Promise<T>): Promise<T> {
  const config = configFrom(program);
  // The first command after an upgrade may have index values to add for every child (minutes at national scale).
  const progress = cliProgressBar();
  const runtime = await openRuntime(config, cliLogger(program, config), { onProgress: progress.report }).finally(() => progress.stop());
  try {
    return await work(createServices({ config, db: runtime.db, clock: systemClock, keys: runtime.keys }), runtime);
  } finally {
    await runtime.close();
  }
}

function printDemoSignIns(): void {
  console.log('\nDemo sign-ins (synthetic data only). Password for every account: ' + DEMO_PASSWORD);
  for (const account of DEMO_ACCOUNTS) console.log(`  ${account.email.padEnd(36)} ${account.what}`);
  console.log(`\nSecurity codes: add the setup key ${DEMO_TOTP_SECRET} to an authenticator app (time-based),`);
  console.log('or print the current code with:  npx signpost demo code');
  console.log('\nA guided walkthrough (whom to sign in as, what to search):  npx signpost demo scenarios');
}

export function buildProgram(): Command {
  const program = new Command()
    .name('signpost')
    .description('Signpost: see who is working with a child known to services, and what happened before they moved.')
    .option('--data-dir <dir>', 'folder for the embedded database and key file (env SIGNPOST_DATA_DIR; default ./data)')
    .option('--database-url <url>', 'use this PostgreSQL server instead of the embedded one (env DATABASE_URL)')
    .option('--verbose', 'show log lines')
    .showHelpAfterError('(run with --help for usage)')
    // Before any subcommand is added, so they all inherit it: errors come back to runCli.
    .exitOverride();

  program.command('serve')
    .description('start the web service (Ctrl-C stops it and the embedded database cleanly)')
    .option('--port <n>', 'port to listen on (env PORT; default 3000)', positiveInt)
    .option('--demo', 'seed the synthetic demo world if the database is empty, and print the demo sign-ins')
    .action(async (options: { port?: number; demo?: boolean }) => {
      const config = configFrom(program, { port: options.port });
      const logger = createLogger(config);
      console.log('Starting Signpost…');
      const progress = cliProgressBar();
      const { startServer } = await import('./server.js');
      const server = await startServer(config, logger, { demo: options.demo ?? false, onProgress: progress.report }).finally(() => progress.stop());
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        console.log(`\n${signal} received: stopping…`);
        server.stop().then(() => process.exit(0), (error: unknown) => {
          console.error(error);
          process.exit(1);
        });
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
      console.log(`\nSignpost is running at ${server.url}`);
      if (server.seeded) console.log('The demo world was created.');
      if (options.demo) printDemoSignIns();
      console.log('\nPress Ctrl-C to stop.');
    });

  program.command('migrate')
    .description('bring the database schema up to date')
    .action(async () => {
      await withServices(program, async () => undefined);
      console.log('The database schema is up to date.');
    });

  program.command('seed')
    .description('create the synthetic demo world (does nothing if organisations already exist)')
    .option('--seed <n>', 'random seed: the same seed gives the same world', positiveInt, 2026)
    .option('--children <n>', 'number of synthetic children (1,000,000 takes about 10 minutes)', positiveInt, DEMO_CHILDREN)
    .action(async (options: { seed: number; children: number }) => {
      await withServices(program, async (services, runtime) => {
        const progress = cliProgressBar();
        const { seedDemoWorld } = await import('../demo/seed.js');
        const result = await seedDemoWorld(
          { db: runtime.db, clock: systemClock, users: services.users, keys: runtime.keys },
          { seed: options.seed, children: options.children, onProgress: progress.report },
        ).finally(() => progress.stop());
        if (result.seeded) console.log(`Created ${result.organisations} organisations, ${result.practitioners} practitioners and ${result.accounts} demo accounts.`);
        else console.log('The directory and demo accounts were already there.');
        console.log(result.children > 0 ? `Created ${result.children} synthetic children.` : 'The synthetic children were already there; nothing was changed.');
      });
    });

  const users = program.command('users').description('manage accounts');
  users.command('add')
    .description('add an account; the person sets up their authenticator app at first sign-in')
    .requiredOption('--org <code>', 'organisation code (see: signpost orgs list)')
    .requiredOption('--email <email>', 'work email address, used to sign in')
    .requiredOption('--name <name>', 'the person\'s name')
    .requiredOption('--role <role>', `one of: ${ACCOUNT_ROLES.join(', ')}`)
    .requiredOption('--dbs <date>', 'date of the enhanced DBS check, YYYY-MM-DD')
    .requiredOption('--training <date>', 'date safeguarding training was completed, YYYY-MM-DD')
    .requiredOption('--agreement <date>', 'date the user agreement was signed, YYYY-MM-DD')
    .option('--password <password>', 'initial password (default: a random one, printed once)')
    .action(async (options: { org: string; email: string; name: string; role: string; dbs: string; training: string; agreement: string; password?: string }) => {
      await withServices(program, async (services) => {
        const org = await services.organisations.requireByCode(options.org);
        const password = options.password ?? randomToken(12);
        await services.users.add({
          organisationId: org.id, email: options.email, displayName: options.name, role: options.role, password,
          dbsCheckedOn: options.dbs, trainingCompletedOn: options.training, agreementSignedOn: options.agreement,
        });
        console.log(`Added ${options.email} (${options.role}) at ${org.name}.`);
        if (!options.password) console.log(`Initial password (shown once): ${password}`);
      });
    });
  users.command('list')
    .description('list accounts with their MFA and status')
    .action(async () => {
      await withServices(program, async (services) => {
        const list = await services.users.list();
        if (list.length === 0) console.log('No accounts yet. Add one with: npx signpost users add --help');
        for (const u of list) console.log(`${u.email.padEnd(38)} ${u.role.padEnd(32)} ${u.status.padEnd(9)} MFA ${u.mfa.padEnd(13)} ${u.organisationName}`);
      });
    });
  users.command('disable <email>')
    .description('stop an account signing in and end its sessions')
    .action(async (email: string) => {
      await withServices(program, async (services) => services.users.disable(email));
      console.log(`Disabled ${email}; their sessions have ended.`);
    });
  users.command('reinstate <email>')
    .description('let an account suspended after 90 days unused sign in again')
    .action(async (email: string) => {
      await withServices(program, async (services) => services.users.reinstate(email));
    });
  users.command('link-sso <email>')
    .description('let an account sign in with its organisation\'s account (single sign-on): link it to the tenant id and object id')
    .requiredOption('--tenant <tid>', 'the organisation\'s tenant id (the tid claim)')
    .requiredOption('--object-id <oid>', 'the person\'s object id at the identity provider (the oid claim)')
    .action(async (email: string, options: { tenant: string; objectId: string }) => {
      await withServices(program, async (services) => services.users.linkSso(email, options.tenant, options.objectId));
      console.log(`Linked ${email} to tenant ${options.tenant}, object id ${options.objectId}; they can sign in with their organisation's account.`);
    });
  users.command('reset-mfa <email>')
    .description('clear an account\'s authenticator so they set it up again at next sign-in')
    .action(async (email: string) => {
      await withServices(program, async (services) => services.users.resetMfa(email));
      console.log(`Reset the authenticator for ${email}; they will set up a new one at next sign-in.`);
    });

  program.command('orgs').description('the organisation directory')
    .command('list').description('list organisations and their codes')
    .action(async () => {
      await withServices(program, async (services) => {
        for (const o of await services.organisations.list({ limit: 500, offset: 0 })) console.log(`${o.code.padEnd(12)} ${o.kind.padEnd(12)} ${o.name}`);
      });
    });

  program.command('clients').description('OAuth clients for agency systems')
    .command('add')
    .description('register an agency system; prints its client id and secret once')
    .requiredOption('--org <code>', 'the organisation the system belongs to')
    .requiredOption('--name <name>', 'a name people will recognise, e.g. "Leeds LCS feed"')
    .option('--source-system <names...>', 'the source systems it may send records as, e.g. leeds-lcs')
    .action(async (options: { org: string; name: string; sourceSystem?: string[] }) => {
      await withServices(program, async (services) => {
        const org = await services.organisations.requireByCode(options.org);
        const client = await services.apiClients.register(org.id, options.name, options.sourceSystem ?? []);
        console.log(`Registered "${options.name}" for ${org.name}${options.sourceSystem?.length ? `, sending as ${options.sourceSystem.join(', ')}` : ''}.`);
        console.log(`client_id:     ${client.clientId}`);
        console.log(`client_secret: ${client.clientSecret}   (shown once: store it in the system's secret store)`);
        console.log('Get a token: curl -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials http://localhost:3000/oauth/token');
      });
    });

  const demo = program.command('demo').description('helpers for the demo world');
  demo.command('code').description('print the current security code for the demo accounts')
    .action(() => {
      const now = new Date();
      const left = 30 - (Math.floor(now.getTime() / 1000) % 30);
      console.log(`${totpCode(DEMO_TOTP_SECRET, now)}   (valid for ${left} more seconds)`);
    });
  demo.command('scenarios').description('print the guided walkthrough: which demo account to sign in as and what to search')
    .action(async () => {
      // Synthetic names for the operator's console only: never through the logger.
      const briefings = await withServices(program, (_services, runtime) => describeScenarios({ db: runtime.db, keys: runtime.keys }));
      if (briefings) for (const line of formatScenarios(briefings, DEMO_PASSWORD)) console.log(line);
      else console.log('The walkthrough children are not in this database: start the demo with  npm start  (or run  npx signpost seed).');
    });

  program.command('bench [scenarios...]')
    .description('run benchmark scenarios (find, view, overload, match, import, audit, dedupe; default all) over HTTP on loopback; same as npm run bench')
    .option('--children <sizes>', 'comma-separated world sizes, e.g. 10000,100000,1000000', '10000,100000')
    .option('--runs <n>', 'runs per scenario (the median is reported)', '3')
    .action(async (scenarios: string[], options: { children: string; runs: string }) => {
      // The benchmark drives this CLI in separate processes, so it runs as a process of its own.
      const { spawn } = await import('node:child_process');
      const args = ['--import', 'tsx', path.join(PROJECT_ROOT, 'bench', 'run.ts'), '--children', options.children, '--runs', options.runs];
      if (scenarios.length > 0) args.push('--scenario', scenarios.join(','));
      const code = await new Promise<number>((resolve) => spawn(process.execPath, args, { stdio: 'inherit' }).on('exit', (c) => resolve(c ?? 1)));
      process.exitCode = code;
    });

  registerMatchCommands(program, (work) => withServices(program, (services, runtime) => work({ db: runtime.db, children: services.children, clock: systemClock })));
  registerAuditCommands(program, (work) => withServices(program, (_services, runtime) => work({ db: runtime.db, databaseUrl: runtime.databaseUrl, keys: runtime.keys, clock: systemClock })));
  registerOversightCommands(program, (work) => withServices(program, (services) => work(services.oversight)));
  registerImportCommand(program, (work) => withServices(program, (services) => work({ imports: services.imports, organisations: services.organisations })));
  registerKeyCommands(program, (work) => withServices(program, (_services, runtime) => work({ db: runtime.db, keys: runtime.keys })));

  return program;
}

/** Errors people can act on print one clear line; anything else is a bug and shows its stack. */
export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof DomainError) {
      console.error(`Error: ${error.message}`);
      for (const [field, message] of Object.entries(error.fields)) console.error(`  --${field}: ${message}`);
      return 2;
    }
    if (error instanceof ConfigError || error instanceof MigrationError) {
      console.error(`Error: ${error.message}`);
      return 2;
    }
    console.error(error);
    return 1;
  }
}

// `signpost users list | head` closes our stdout early: finish the command (and stop the embedded
// database) quietly instead of crashing on EPIPE.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
});

const code = await runCli(process.argv);
// A command may have set its own exit code (e.g. `audit verify` finding tampering); keep it.
if (code !== 0) process.exitCode = code;
