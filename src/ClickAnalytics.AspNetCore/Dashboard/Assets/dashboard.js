// The ClickAnalytics dashboard: every number comes from the query API (POST {api}query), found
// relative to this page, so a path base or a reverse proxy in front changes nothing. The view
// (range, zone, flags, filters) lives in the address, so a view can be shared or bookmarked.
(() => {
  'use strict';

  const meta = name => document.querySelector(`meta[name="${name}"]`)?.content ?? '';
  const api = meta('clickanalytics-api') || '../';
  const liveEvery = Math.max(500, Number(meta('clickanalytics-live')) || 15000);
  const $ = (selector, root = document) => root.querySelector(selector);
  const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));
  const html = document.documentElement;

  const numbers = new Intl.NumberFormat(undefined);
  const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });
  const percent = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 });
  const regions = (() => { try { return new Intl.DisplayNames(['en'], { type: 'region' }); } catch { return null; } })();

  const presets = new Set($$('#range option').map(o => o.value));
  const defaultRange = '24h';
  const filterable = ['country', 'link', 'refererHost', 'utmCampaign', 'deviceType', 'browser', 'os'];
  const dimensionNames = {
    country: 'Country', link: 'Link', refererHost: 'Referrer', utmCampaign: 'Campaign',
    deviceType: 'Device', browser: 'Browser', os: 'OS',
  };
  const emptyNames = {
    country: 'Unknown', link: '(none)', refererHost: 'Direct or none', utmCampaign: 'No campaign',
    deviceType: 'Unknown', browser: 'Unknown', os: 'Unknown',
  };

  const browserZone = () => { try { return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'; } catch { return 'UTC'; } };
  const isDay = value => /^\d{4}-\d{2}-\d{2}$/.test(value);

  // ---- the view, in the address ---------------------------------------------------------------

  function readState() {
    const p = new URLSearchParams(location.search);
    const state = {
      range: p.get('range') || defaultRange,
      from: p.get('from') || '',
      to: p.get('to') || '',
      tz: p.get('tz') || browserZone(),
      bots: p.get('bots') === '1',
      repeats: p.get('repeats') === '1',
      filters: {},
    };
    if (!presets.has(state.range) || (state.range === 'custom' && !(isDay(state.from) && isDay(state.to)))) {
      state.range = defaultRange;
    }
    for (const dimension of filterable) {
      if (p.has(dimension)) state.filters[dimension] = p.get(dimension);
    }
    return state;
  }

  function writeState(push = true) {
    const p = new URLSearchParams();
    if (state.range !== defaultRange) p.set('range', state.range);
    if (state.range === 'custom') { p.set('from', state.from); p.set('to', state.to); }
    p.set('tz', state.tz);
    if (state.bots) p.set('bots', '1');
    if (state.repeats) p.set('repeats', '1');
    for (const dimension of filterable) {
      if (dimension in state.filters) p.set(dimension, state.filters[dimension]);
    }
    const url = `${location.pathname}?${p}`;
    if (push) history.pushState(null, '', url); else history.replaceState(null, '', url);
  }

  let state = readState();

  // ---- queries --------------------------------------------------------------------------------

  function baseQuery() {
    const query = {
      timeZone: state.tz,
      includeBots: state.bots,
      includeRepeats: state.repeats,
      filters: Object.entries(state.filters).map(([dimension, value]) => ({ dimension, operator: 'is', values: [value] })),
    };
    if (state.range === '24h') {
      // Whole hours, so that the answer (and the cache key) stays the same within the hour.
      const end = new Date();
      end.setUTCMinutes(0, 0, 0);
      end.setUTCHours(end.getUTCHours() + 1);
      query.start = new Date(end.getTime() - 24 * 3600e3).toISOString();
      query.end = end.toISOString();
    } else if (state.range === 'custom') {
      query.from = state.from;
      query.to = state.to;
    } else {
      query.range = state.range;
    }
    return query;
  }

  class QueryError extends Error {}

  async function post(query, signal) {
    let response;
    try {
      response = await fetch(`${api}query`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(query),
        credentials: 'same-origin',
        signal,
      });
    } catch (error) {
      if (error.name === 'AbortError') throw error;
      throw new QueryError('The server did not answer; check the connection.');
    }
    if (!response.ok) {
      let message = `HTTP ${response.status}.`;
      if (response.status === 401 || response.status === 403) message = `You are not allowed to see these numbers (HTTP ${response.status}).`;
      try {
        const problem = await response.json();
        const problems = problem.errors ? Object.values(problem.errors).flat() : [];
        message = problems.length ? problems.join(' ') : (problem.detail || problem.title || message);
      } catch { /* not JSON: keep the status */ }
      throw new QueryError(message);
    }
    return response.json();
  }

  // ---- labels ---------------------------------------------------------------------------------

  function label(dimension, value) {
    if (value === '') return emptyNames[dimension] || 'Unknown';
    switch (dimension) {
      case 'country': { try { return regions?.of(value) || value; } catch { return value; } }
      case 'link': return `/${value}`;
      case 'deviceType': return value.charAt(0).toUpperCase() + value.slice(1);
      default: return value;
    }
  }

  const dayFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });
  const monthFormat = new Intl.DateTimeFormat(undefined, { month: 'short', year: 'numeric', timeZone: 'UTC' });

  // Buckets read 2026-03-08 or 2026-03-08T01:00:00-05:00 (local wall time with its offset).
  function bucketLabels(value, bucket) {
    const [y, m, d] = value.slice(0, 10).split('-').map(Number);
    const day = new Date(Date.UTC(y, m - 1, d));
    if (bucket === 'time:hour') {
      const hour = value.slice(11, 16);
      return { short: hour === '00:00' ? dayFormat.format(day) : hour, long: `${dayFormat.format(day)}, ${hour}` };
    }
    if (bucket === 'time:month') return { short: monthFormat.format(day), long: monthFormat.format(day) };
    if (bucket === 'time:week') return { short: dayFormat.format(day), long: `Week of ${dayFormat.format(day)}` };
    return { short: dayFormat.format(day), long: dayFormat.format(day) };
  }

  // ---- rendering ------------------------------------------------------------------------------

  const el = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  };

  const css = name => getComputedStyle(html).getPropertyValue(name).trim();

  function drawKpis(result) {
    const names = result.metrics;
    for (const card of $$('.kpi')) {
      const index = names.indexOf(card.dataset.kpi);
      const value = result.totals[index];
      const previous = result.comparisonTotals?.[index];
      const valueNode = $('.value', card);
      valueNode.textContent = numbers.format(value);
      valueNode.dataset.raw = String(value);
      const change = $('.change', card);
      change.className = 'change';
      change.dataset.raw = previous === undefined ? '' : String(previous);
      if (previous === undefined || previous === null) {
        change.textContent = '\u00a0';
      } else if (previous === 0) {
        change.textContent = value === 0 ? 'No change vs previous period' : 'None in the previous period';
      } else {
        const ratio = (value - previous) / previous;
        const good = card.dataset.kpi === 'clicks' || card.dataset.kpi === 'uniqueVisitors';
        if (good && ratio !== 0) change.classList.add(ratio > 0 ? 'up' : 'down');
        const arrow = ratio > 0 ? '\u25b2' : ratio < 0 ? '\u25bc' : '';
        change.textContent = `${arrow} ${percent.format(Math.abs(ratio))} from ${numbers.format(previous)}`.trim();
        change.title = 'Change from the previous period';
      }
    }
  }

  let plot = null;
  let labels = [];

  function drawSeries(result) {
    const rows = result.rows;
    const bucket = result.dimensions[0];
    labels = rows.map(r => bucketLabels(r.dimensions[0], bucket));
    const data = [
      rows.map((_, i) => i),
      rows.map(r => r.metrics[0]),
      rows.map(r => r.metrics[1]),
      rows.map(r => (r.comparison ? r.comparison[0] : null)),
    ];
    const chart = $('#chart');
    const empty = result.totals[0] === 0 && (result.comparisonTotals?.[0] ?? 0) === 0;
    $('#chart-empty').hidden = !empty;
    chart.style.visibility = empty ? 'hidden' : 'visible';
    chart.setAttribute('aria-label', `Clicks over time: ${numbers.format(result.totals[0])} clicks and ${numbers.format(result.totals[1])} unique visitors in ${rows.length} periods.`);

    const body = $('#series-table tbody');
    body.textContent = '';
    rows.forEach((row, i) => {
      const tr = el('tr');
      tr.append(el('th', '', labels[i].long), el('td', '', String(row.metrics[0])), el('td', '', String(row.metrics[1])), el('td', '', row.comparison ? String(row.comparison[0]) : ''));
      tr.firstChild.scope = 'row';
      body.append(tr);
    });

    if (typeof uPlot === 'undefined') return;
    if (plot) {
      plot.setData(data);
      return;
    }
    const accent = css('--accent');
    const muted = css('--muted');
    const grid = { stroke: css('--line'), width: 1 };
    plot = new uPlot({
      width: Math.max(200, chart.clientWidth),
      height: chart.clientHeight,
      scales: { x: { time: false } },
      legend: { show: false },
      cursor: { drag: { x: false, y: false }, points: { size: 7 } },
      series: [
        {},
        { label: 'Clicks', stroke: accent, width: 2, fill: `${accent}1f`, points: { show: false } },
        { label: 'Unique visitors', stroke: css('--visitors'), width: 2, points: { show: false } },
        { label: 'Clicks, previous period', stroke: css('--previous'), width: 1.5, dash: [5, 4], points: { show: false } },
      ],
      axes: [
        {
          stroke: muted, grid, ticks: grid, space: 56,
          incrs: [1, 2, 3, 4, 6, 12, 24, 48, 96, 168, 336, 720],
          values: (u, splits) => splits.map(i => labels[Math.round(i)]?.short ?? ''),
        },
        { stroke: muted, grid, ticks: grid, size: 48, values: (u, splits) => splits.map(v => compact.format(v)) },
      ],
      hooks: { setCursor: [showTip] },
    }, data, chart);
    new ResizeObserver(() => plot.setSize({ width: Math.max(200, chart.clientWidth), height: chart.clientHeight })).observe(chart);
  }

  const tip = el('div', 'tip');
  tip.setAttribute('aria-hidden', 'true');

  function showTip(u) {
    const i = u.cursor.idx;
    if (i === null || i === undefined || !labels[i]) { tip.remove(); return; }
    const [, clicks, visitors, previous] = u.data;
    tip.textContent = '';
    tip.append(el('strong', '', labels[i].long),
      el('span', '', `${numbers.format(clicks[i])} clicks`),
      el('span', '', `${numbers.format(visitors[i])} visitors`));
    if (previous[i] !== null && previous[i] !== undefined) tip.append(el('span', 'prev', `${numbers.format(previous[i])} before`));
    if (!tip.isConnected) u.over.append(tip);
    const left = u.cursor.left;
    tip.style.left = `${Math.min(left + 12, u.over.clientWidth - tip.offsetWidth - 4)}px`;
    tip.style.top = '8px';
  }

  function placeholders(list, count) {
    list.textContent = '';
    for (let i = 0; i < count; i++) list.append(el('li', 'placeholder'));
  }

  function drawBreakdown(section, result) {
    const dimension = section.dataset.dimension;
    const list = $('.rows', section);
    const total = result.totals[0];
    const visitors = result.metrics.indexOf('uniqueVisitors');
    list.textContent = '';
    if (result.rows.length === 0) {
      list.append(el('li', 'none', 'No clicks in this range.'));
      return;
    }
    for (const row of result.rows) {
      const value = row.dimensions[0];
      const clicks = row.metrics[0];
      const share = total ? clicks / total : 0;
      const name = label(dimension, value);
      const button = el('button', 'bar');
      button.type = 'button';
      button.dataset.value = value;
      button.dataset.clicks = String(clicks);
      button.style.setProperty('--s', share.toFixed(4));
      const nameNode = el('span', 'name', name);
      if (dimension === 'country' && value) nameNode.append(el('span', 'code', value));
      button.append(nameNode, el('span', 'count', numbers.format(clicks)));
      let spoken = `${name}: ${numbers.format(clicks)} clicks`;
      if (visitors >= 0) {
        button.dataset.visitors = String(row.metrics[visitors]);
        button.append(el('span', 'visitors', numbers.format(row.metrics[visitors])));
        spoken += `, ${numbers.format(row.metrics[visitors])} visitors`;
      }
      button.append(el('span', 'share', percent.format(share)));
      button.setAttribute('aria-label', `${spoken}, ${percent.format(share)}. Filter by this ${dimensionNames[dimension].toLowerCase()}.`);
      button.addEventListener('click', () => setFilter(dimension, value));
      const item = el('li');
      item.append(button);
      list.append(item);
    }
  }

  function drawChrome() {
    const link = state.filters.link;
    const title = $('#title');
    title.textContent = link === undefined ? title.dataset.title : `/${link}`;
    document.title = link === undefined ? title.dataset.title : `/${link} \u00b7 ${title.dataset.title}`;
    $('#all-links').hidden = link === undefined;
    $('section[data-dimension="link"]').hidden = link !== undefined;
    $('#tz-label').textContent = state.tz;

    const chips = $('#chips');
    chips.textContent = '';
    for (const [dimension, value] of Object.entries(state.filters)) {
      if (dimension === 'link') continue;
      const chip = el('button', 'chip');
      chip.type = 'button';
      chip.dataset.dimension = dimension;
      chip.dataset.value = value;
      chip.append(el('span', '', `${dimensionNames[dimension]}: ${label(dimension, value)}`));
      const x = el('span', 'x', '\u00d7');
      x.setAttribute('aria-hidden', 'true');
      chip.append(x);
      chip.setAttribute('aria-label', `Remove filter ${dimensionNames[dimension]}: ${label(dimension, value)}`);
      chip.addEventListener('click', () => removeFilter(dimension));
      chips.append(chip);
    }
  }

  function syncControls() {
    const tz = $('#tz');
    if (![...tz.options].some(o => o.value === state.tz)) tz.append(new Option(state.tz, state.tz));
    tz.value = state.tz;
    $('#range').value = state.range;
    $('#custom').hidden = state.range !== 'custom';
    $('#from').value = state.from;
    $('#to').value = state.to;
    $('#bots').checked = state.bots;
    $('#repeats').checked = state.repeats;
  }

  // ---- loading --------------------------------------------------------------------------------

  let generation = 0;
  let controller = null;
  let firstRenderDone = false;

  function showError(message) {
    $('#error-text').textContent = message;
    $('#error').hidden = false;
    html.dataset.state = 'error';
  }

  async function load() {
    const current = ++generation;
    controller?.abort();
    controller = new AbortController();
    const signal = controller.signal;
    drawChrome();
    $('#error').hidden = true;
    html.dataset.state = 'loading';
    $('#main').setAttribute('aria-busy', 'true');
    if (!firstRenderDone) {
      document.body.classList.add('loading');
      for (const section of $$('.breakdown')) placeholders($('.rows', section), section.classList.contains('wide') ? 10 : 8);
    }

    const base = baseQuery();
    const sections = $$('.breakdown').filter(s => !s.hidden);
    const jobs = [
      post({ ...base, dimensions: ['time'], metrics: ['clicks', 'uniqueVisitors', 'bots', 'repeats'], compare: 'previousPeriod', limit: 10000 }, signal)
        .then(result => { if (current === generation) { drawKpis(result); drawSeries(result); } return result; }),
      ...sections.map(section => {
        const wide = section.classList.contains('wide');
        const query = {
          ...base,
          dimensions: [section.dataset.dimension],
          metrics: wide ? ['clicks', 'uniqueVisitors'] : ['clicks'],
          orderBy: [{ by: 'clicks', descending: true }],
          limit: wide ? 10 : 8,
        };
        return post(query, signal).then(result => { if (current === generation) drawBreakdown(section, result); return result; });
      }),
    ];
    refreshLive();
    const outcomes = await Promise.allSettled(jobs);
    if (current !== generation) return;
    $('#main').setAttribute('aria-busy', 'false');
    document.body.classList.remove('loading');
    const failed = outcomes.find(o => o.status === 'rejected' && o.reason?.name !== 'AbortError');
    if (failed) {
      for (const section of sections) {
        if ($('.placeholder', section)) { $('.rows', section).textContent = ''; $('.rows', section).append(el('li', 'none', 'Not loaded.')); }
      }
      for (const value of $$('.kpi .value')) {
        if (value.dataset.raw === '') value.textContent = '\u2013';
      }
      showError(failed.reason instanceof QueryError ? failed.reason.message : String(failed.reason));
      return;
    }
    const series = outcomes[0].value;
    html.dataset.state = series.totals[0] === 0 ? 'empty' : 'ready';
    html.dataset.generation = String(current);
    if (!firstRenderDone) {
      firstRenderDone = true;
      // Milliseconds from the start of navigation to the first complete view with data.
      html.dataset.firstRender = String(Math.round(performance.now()));
    }
  }

  // ---- live count for today -------------------------------------------------------------------

  let liveBusy = false;

  async function refreshLive() {
    if (document.hidden || liveBusy) return;
    liveBusy = true;
    const base = baseQuery();
    const query = { timeZone: base.timeZone, includeBots: base.includeBots, includeRepeats: base.includeRepeats, filters: base.filters, range: 'today', metrics: ['clicks'] };
    const live = $('#live');
    try {
      const result = await post(query);
      const count = $('#live-count');
      count.textContent = numbers.format(result.totals[0]);
      count.dataset.raw = String(result.totals[0]);
      live.classList.remove('stale');
      live.title = `Clicks today in ${state.tz}, checked at ${new Date().toLocaleTimeString()}`;
    } catch {
      live.classList.add('stale');
    } finally {
      liveBusy = false;
    }
  }

  // ---- interaction ----------------------------------------------------------------------------

  // A change of the view: into the address (a step Back can undo), then loaded.
  function apply() {
    writeState();
    load();
  }

  function setFilter(dimension, value) {
    state.filters[dimension] = value;
    apply();
  }

  function removeFilter(dimension) {
    delete state.filters[dimension];
    apply();
    $('#chips button')?.focus();
  }

  function fillZones() {
    const select = $('#tz');
    let zones = [];
    try { zones = Intl.supportedValuesOf('timeZone'); } catch { /* older browsers: the current zone and UTC */ }
    const all = new Set(['UTC', browserZone(), ...zones]);
    for (const zone of all) select.append(new Option(zone, zone));
  }

  // A day in the view's zone as YYYY-MM-DD (the en-CA format).
  const today = offsetDays =>
    new Intl.DateTimeFormat('en-CA', { timeZone: state.tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(Date.now() + offsetDays * 86400e3));

  function wire() {
    $('#controls').addEventListener('submit', e => e.preventDefault());
    $('#range').addEventListener('change', e => {
      state.range = e.target.value;
      if (state.range === 'custom' && !(isDay(state.from) && isDay(state.to))) {
        state.from = today(-6);
        state.to = today(0);
      }
      syncControls();
      apply();
    });
    for (const id of ['from', 'to']) {
      $(`#${id}`).addEventListener('change', () => {
        const from = $('#from').value;
        const to = $('#to').value;
        if (isDay(from) && isDay(to) && from <= to) {
          state.from = from;
          state.to = to;
          apply();
        }
      });
    }
    $('#tz').addEventListener('change', e => { state.tz = e.target.value; apply(); });
    $('#bots').addEventListener('change', e => { state.bots = e.target.checked; apply(); });
    $('#repeats').addEventListener('change', e => { state.repeats = e.target.checked; apply(); });
    $('#retry').addEventListener('click', () => load());
    $('#all-links').addEventListener('click', () => removeFilter('link'));
    window.addEventListener('popstate', () => { state = readState(); syncControls(); load(); });
    document.addEventListener('visibilitychange', () => { if (!document.hidden) refreshLive(); });
    setInterval(refreshLive, liveEvery);
  }

  fillZones();
  syncControls();
  writeState(false);
  wire();
  load();
})();
