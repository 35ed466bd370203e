// `dchat console --zk …`: the operator dashboard of a running cluster. It reads a snapshot of
// ZooKeeper when a watched list changes (nodes, providers, presence; debounced, since a node
// starting registers several znodes at once) and every refreshMs, because a node's load figures
// change without any child event. ? shows the keys (the arrows select a node, Enter shows it, f
// charts it alone, s sorts); q, Escape or Ctrl-C quit and give the terminal back as it was.
// Nothing but blessed writes to the terminal: logs go to DCHAT_LOG_FILE (set by the command).
import blessed from 'blessed';
import { errorMessage } from '../../base/dchat-error.js';
import { createLogger } from '../../base/logger.js';
import type { ZkSession, ZkSessionEvent } from '../../zk/zk-session.js';
import { readClusterSnapshot, watchCluster } from './cluster-snapshot.js';
import { ConsoleDashboard, type DashboardHeader } from './console-dashboard.js';
import { NodeStarts, viewOf } from './cluster-view.js';
import { LoadHistory } from './load-history.js';

const log = createLogger('tui.console');

export interface ClusterConsoleOptions {
  session: ZkSession;
  refreshMs: number;
  /** How long to wait after a watch event for the next ones of the same change. */
  debounceMs?: number;
}

/** Resolves when the person quits. */
export function runClusterConsole(options: ClusterConsoleOptions): Promise<void> {
  // On a UTF-8 terminal, borders drawn with Unicode box characters survive copy and paste and
  // `tmux capture-pane`, where the VT100 line-drawing charset comes out as "lqqk"; blessed
  // honours the ncurses variable for that choice.
  if (process.env['NCURSES_NO_UTF8_ACS'] === undefined && isUtf8Locale()) process.env['NCURSES_NO_UTF8_ACS'] = '1';
  const screen = blessed.screen({ smartCSR: true, title: 'dchat console', fullUnicode: true });
  const dashboard = new ConsoleDashboard(screen);
  const history = new LoadHistory();
  const starts = new NodeStarts();
  const header: DashboardHeader = { zkAddress: options.session.connectString, zkState: 'connected', problem: undefined };
  const refresher = new Refresher(async () => {
    try {
      const snapshot = await readClusterSnapshot(options.session);
      history.add(snapshot);
      header.problem = undefined;
      dashboard.show(viewOf(snapshot, starts), history, header);
    } catch (err) {
      header.problem = `reading ZooKeeper failed: ${errorMessage(err)}; retrying every ${options.refreshMs} ms`;
      log.warn('%s', header.problem);
      dashboard.showHeader(header);
    }
  }, options.debounceMs ?? 100);

  const onState = (event: ZkSessionEvent): void => {
    header.zkState = event === 'new-session' ? 'connected, new session' : event;
    dashboard.showHeader(header);
    if (event === 'connected' || event === 'new-session') refresher.request();
  };
  options.session.on('state', onState);
  const stopWatching = watchCluster(options.session, () => refresher.request());
  const timer = setInterval(() => refresher.request(), options.refreshMs);
  refresher.request();
  screen.render();

  return new Promise((resolve) => {
    screen.key(['?'], () => dashboard.toggleHelp());
    screen.key(['s'], () => dashboard.sortNext());
    screen.key(['up', 'k'], () => dashboard.moveSelection(-1));
    screen.key(['down', 'j'], () => dashboard.moveSelection(1));
    screen.key(['home'], () => dashboard.moveSelection(-Number.MAX_SAFE_INTEGER));
    screen.key(['end'], () => dashboard.moveSelection(Number.MAX_SAFE_INTEGER));
    // Only 'enter': blessed reports the Return key as 'return' and again as 'enter'.
    screen.key(['enter'], () => dashboard.toggleDetail());
    screen.key(['f'], () => dashboard.toggleFilter());
    screen.key(['q', 'escape', 'C-c'], (_ch: unknown, key: { full?: string }) => {
      if (key.full === 'escape' && dashboard.isOverlayShown()) return dashboard.closeOverlay();
      clearInterval(timer);
      stopWatching();
      options.session.off('state', onState);
      refresher.stop();
      screen.destroy();
      resolve();
    });
  });
}

function isUtf8Locale(): boolean {
  const locale = process.env['LC_ALL'] || process.env['LC_CTYPE'] || process.env['LANG'] || '';
  return /utf-?8/i.test(locale);
}

/** Runs `read` after requests settle for debounceMs, never two at once; a request during a read runs it again after. */
class Refresher {
  private timer: NodeJS.Timeout | undefined;
  private isReading = false;
  private isRequestedAgain = false;
  private isStopped = false;

  constructor(private readonly read: () => Promise<void>, private readonly debounceMs: number) {}

  request(): void {
    if (this.isStopped) return;
    if (this.isReading) {
      this.isRequestedAgain = true;
      return;
    }
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.run(), this.debounceMs);
  }

  stop(): void {
    this.isStopped = true;
    clearTimeout(this.timer);
  }

  private async run(): Promise<void> {
    this.isReading = true;
    await this.read();
    this.isReading = false;
    if (this.isRequestedAgain) {
      this.isRequestedAgain = false;
      this.request();
    }
  }
}
