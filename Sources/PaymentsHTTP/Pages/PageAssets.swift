/// The pages' only assets (the dashboard's and the sandbox's hosted pages), served by the service
/// itself under `/assets` (no CDN, no build chain): plain CSS that works from a phone's width up,
/// and a little JavaScript that shows times in the browser's time zone (without it, they read in
/// UTC).
enum PageAssets {
    static let css = """
        :root { color-scheme: light dark; --accent: #3559e0; --warn: #b3261e; --muted: #6b6b6b; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; }
        header { background: #1f2430; color: #fff; padding: .5rem 1rem; }
        header nav { display: flex; flex-wrap: wrap; gap: .25rem 1rem; align-items: center; }
        header a { color: #dfe6ff; text-decoration: none; }
        header form { margin-left: auto; }
        main { padding: 1rem; max-width: 1200px; margin: 0 auto; }
        h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 1.6rem; }
        table { border-collapse: collapse; width: 100%; margin: .5rem 0; }
        th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #8884; vertical-align: top; }
        .scroll { overflow-x: auto; }
        td[data-k] { white-space: nowrap; }
        tr.attention td, tr.attention th { background: #b3261e22; }
        tr.total th, tr.total td { font-weight: 600; }
        .card { border: 1px solid #8886; border-radius: 8px; padding: 1rem; margin: .75rem 0; max-width: 40rem; }
        .card label, .filters label { display: block; margin: .4rem 0; }
        .filters { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: end; }
        form.inline { display: inline-flex; gap: .5rem; margin: .25rem 0; }
        input, select, button { font: inherit; padding: .3rem .5rem; }
        button { cursor: pointer; border-radius: 6px; border: 1px solid #8888; }
        button.danger { background: var(--warn); color: #fff; border-color: var(--warn); }
        .notice { background: #2e7d3222; padding: .5rem .75rem; border-radius: 6px; }
        .problem { background: #b3261e22; padding: .5rem .75rem; border-radius: 6px; }
        .secret code { font-size: 1.05rem; word-break: break-all; }
        .muted, small { color: var(--muted); }
        figure { margin: 1rem 0; } svg { max-width: 100%; height: auto; }
        svg .bar { fill: var(--accent); } svg text { font-size: 10px; fill: currentColor; }
        .test-mode { background: #f9a825; color: #000; text-align: center; font-weight: 600; padding: .35rem; }
        .price { font-size: 1.4rem; font-weight: 600; margin: .25rem 0; }
        .totals { max-width: 24rem; margin-left: auto; } .totals td { text-align: right; }
        @media (max-width: 600px) { main { padding: .5rem; } th, td { padding: .3rem; font-size: 14px; } }
        """

    static let js = """
        // Shows each <time datetime> in the browser's own time zone; without JavaScript they read in UTC.
        document.querySelectorAll("time[datetime]").forEach(function (node) {
          var at = new Date(node.getAttribute("datetime"));
          if (!isNaN(at)) { node.textContent = at.toLocaleString(); node.title = node.getAttribute("datetime"); }
        });
        """
}
