import Mustache
import PaymentsHTTP

/// The dashboard's pages, as Mustache templates compiled into the binary (nothing to ship beside
/// it). Every page is the `layout` parent filled in; `{{x}}` is HTML-escaped, and the only
/// unescaped value (`{{{chart}}}`) is SVG the dashboard draws itself from numbers.
enum DashboardTemplates {
    static let library: MustacheLibrary = HTMLPages.library(templates)

    static let templates: [String: String] = [
        "layout": layout, "sign-in": signIn, "overview": overview, "apps": apps, "app": app, "customers": customers,
        "customer": customer, "confirm": confirm, "audit": audit, "deliveries": deliveries, "message": message, "events": events,
        "provider-events": providerEvents,
    ]

    static let layout = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · payment-service</title>
        <link rel="stylesheet" href="/assets/app.css"><script src="/assets/app.js" defer></script></head>
        <body>
        {{#csrf}}<header><nav><strong>payment-service</strong>
        <a href="/dashboard">Overview</a><a href="/dashboard/apps">Apps</a><a href="/dashboard/audit">Audit log</a><a href="/dashboard/events">Events</a><a href="/dashboard/deliveries">Deliveries</a>
        <a href="/dashboard/provider-events">Provider events</a>
        <form method="post" action="/dashboard/sign-out" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button>Sign out</button></form>
        </nav></header>{{/csrf}}
        <main><h1>{{title}}</h1>
        {{#notice}}<p class="notice" role="status">{{notice}}</p>{{/notice}}{{#problem}}<p class="problem" role="alert">{{problem}}</p>{{/problem}}
        {{$body}}{{/body}}
        </main></body></html>
        """

    static let signIn = """
        {{<layout}}{{$body}}
        <form method="post" action="/dashboard/sign-in" class="card">
        <label>Admin token <input type="password" name="token" autocomplete="current-password" required autofocus></label>
        <button type="submit">Sign in</button></form>
        {{/body}}{{/layout}}
        """

    static let overview = """
        {{<layout}}{{$body}}
        <p>Payments and refunds over the last {{days}} days (since <time datetime="{{since}}">{{since}}</time>).</p>
        <div class="scroll"><table id="overview">
        <tr><th>App</th><th>Provider</th><th>Active</th><th>Trialing</th><th>Past due</th><th>In grace</th><th>MRR</th>
        <th>Payments</th><th>Refunds</th><th>Failed payments</th><th>Dead deliveries</th><th>Failed provider events</th></tr>
        {{#rows}}<tr class="{{#attention}}attention{{/attention}}" data-app="{{id}}"><td><a href="/dashboard/apps/{{id}}">{{name}}</a> <small>{{mode}}</small></td>
        <td>{{provider}}</td><td data-k="active">{{active}}</td><td data-k="trialing">{{trialing}}</td><td data-k="past_due">{{pastDue}}</td>
        <td data-k="in_grace">{{inGrace}}</td><td data-k="mrr">{{mrr}}</td><td data-k="payments">{{payments}}</td><td data-k="refunds">{{refunds}}</td>
        <td data-k="failed_payments">{{failedPayments}}</td><td data-k="dead_deliveries">{{deadDeliveries}}</td>
        <td data-k="failed_events">{{failedEvents}}</td></tr>{{/rows}}
        {{#total}}<tr class="total" data-app="total"><th>All apps</th><td></td><td data-k="active">{{active}}</td><td data-k="trialing">{{trialing}}</td>
        <td data-k="past_due">{{pastDue}}</td><td data-k="in_grace">{{inGrace}}</td><td data-k="mrr">{{mrr}}</td><td data-k="payments">{{payments}}</td>
        <td data-k="refunds">{{refunds}}</td><td data-k="failed_payments">{{failedPayments}}</td><td data-k="dead_deliveries">{{deadDeliveries}}</td>
        <td data-k="failed_events">{{failedEvents}}</td></tr>{{/total}}
        </table></div>
        {{#charts}}<figure><figcaption>{{caption}}</figcaption>{{{svg}}}</figure>{{/charts}}
        {{^charts}}<p>No payments in the window.</p>{{/charts}}
        <p class="muted">MRR: active and past-due subscriptions' recurring base price × quantity, a month's worth (a yearly price counts a twelfth). Its chart is rebuilt from when subscriptions started, left their trial and ended.</p>
        {{/body}}{{/layout}}
        """

    static let apps = """
        {{<layout}}{{$body}}
        <table><tr><th>App</th><th>Mode</th><th>Grace days</th><th>Created</th></tr>
        {{#apps}}<tr><td><a href="/dashboard/apps/{{id}}">{{name}}</a><br><small>{{id}}</small></td><td>{{mode}}</td><td>{{grace}}</td>
        <td><time datetime="{{created}}">{{created}}</time></td></tr>{{/apps}}</table>
        {{#next}}<p><a href="/dashboard/apps?starting_after={{next}}">Next page</a></p>{{/next}}
        <h2>Create an app</h2>
        <form method="post" action="/dashboard/apps" class="card"><input type="hidden" name="csrf" value="{{csrf}}">
        <label>Name <input name="name" required maxlength="100"></label>
        <label>Mode <select name="mode"><option value="test">test</option><option value="live">live</option></select></label>
        <button type="submit">Create</button></form>
        {{/body}}{{/layout}}
        """

    static let app = """
        {{<layout}}{{$body}}
        {{#secret}}<div class="card secret"><p>The new key, shown this once: copy it now.</p><code id="new-key">{{secret}}</code></div>{{/secret}}
        <p><small>{{id}}</small> · {{mode}} · grace default {{grace}} days</p>
        <h2>Providers</h2>
        <table><tr><th>Provider</th><th>Configured</th><th>Active</th><th>Account</th><th>Note</th></tr>
        {{#providers}}<tr class="{{#warn}}attention{{/warn}}"><td>{{name}}</td><td>{{configured}}</td><td>{{active}}</td><td>{{account}}</td><td>{{detail}}</td></tr>{{/providers}}</table>
        <h2>Settings</h2>
        <form method="post" action="/dashboard/apps/{{id}}/settings" class="card"><input type="hidden" name="csrf" value="{{csrf}}">
        <label>Name <input name="name" value="{{name}}" required maxlength="100"></label>
        <label>Default grace period (days, empty: none) <input name="grace_period_days" value="{{grace}}" inputmode="numeric"></label>
        <button type="submit">Save</button></form>
        <h2>Keys</h2>
        <table><tr><th>Key</th><th>Kind</th><th>Last 4</th><th>Status</th><th></th></tr>
        {{#keys}}<tr><td><small>{{id}}</small></td><td>{{kind}}</td><td>{{last4}}</td><td>{{status}}</td>
        <td>{{#revocable}}<a href="/dashboard/apps/{{app}}/keys/{{id}}/revoke">Revoke…</a>{{/revocable}}</td></tr>{{/keys}}</table>
        <form method="post" action="/dashboard/apps/{{id}}/keys" class="inline"><input type="hidden" name="csrf" value="{{csrf}}">
        <select name="kind"><option value="secret">secret</option><option value="publishable">publishable</option></select>
        <button type="submit">Issue a new key</button></form>
        <h2>Customers</h2>
        <form method="get" action="/dashboard/apps/{{id}}/customers" class="inline"><input name="q" placeholder="external id, name or email">
        <button type="submit">Find</button></form>
        <p><a href="/dashboard/deliveries?app={{id}}&amp;status=dead">Dead deliveries</a> · <a href="/dashboard/audit?app={{id}}">Audit log</a></p>
        {{/body}}{{/layout}}
        """

    static let customers = """
        {{<layout}}{{$body}}
        <form method="get" action="/dashboard/apps/{{app}}/customers" class="inline"><input name="q" value="{{q}}" placeholder="external id, name or email">
        <button type="submit">Find</button></form>
        <table id="customers"><tr><th>Customer</th><th>Name</th><th>Email</th><th>Since</th></tr>
        {{#customers}}<tr><td><a href="/dashboard/apps/{{app}}/customers/{{external}}">{{external}}</a></td><td>{{name}}</td><td>{{email}}</td>
        <td><time datetime="{{created}}">{{created}}</time></td></tr>{{/customers}}</table>
        {{^customers}}<p>No customer matches.</p>{{/customers}}
        {{#next}}<p><a href="/dashboard/apps/{{app}}/customers?q={{q}}&amp;starting_after={{next}}">Next page</a></p>{{/next}}
        {{/body}}{{/layout}}
        """

    static let customer = """
        {{<layout}}{{$body}}
        <p><a href="/dashboard/apps/{{app}}">{{appName}}</a> · {{name}} {{email}}</p>
        <section class="card"><h2>Billing summary</h2>
        <p>Status <strong id="billing-status">{{status}}</strong>{{#plan}} · plan {{plan}}{{/plan}}{{#period}} · period to <time datetime="{{period}}">{{period}}</time>{{/period}}</p></section>
        <h2>Subscriptions</h2>
        <table><tr><th>Subscription</th><th>Status</th><th>Items</th><th>Period end</th><th></th></tr>
        {{#subscriptions}}<tr><td><small>{{id}}</small></td><td>{{status}}{{#cancelAtPeriodEnd}} (cancels at period end){{/cancelAtPeriodEnd}}</td><td>{{items}}</td>
        <td><time datetime="{{periodEnd}}">{{periodEnd}}</time></td>
        <td>{{#live}}<a href="/dashboard/apps/{{app}}/subscriptions/{{id}}/cancel">Cancel…</a>{{/live}}</td></tr>{{/subscriptions}}</table>
        {{^subscriptions}}<p>None.</p>{{/subscriptions}}
        <h2>Payments and refunds</h2>
        <table id="payments"><tr><th>Payment</th><th>Amount</th><th>Refunded</th><th>Status</th><th>Made</th><th></th></tr>
        {{#payments}}<tr data-payment="{{id}}"><td><small>{{id}}</small><br>{{description}}</td><td>{{amount}}</td><td data-k="refunded">{{refunded}}</td><td>{{status}}</td>
        <td><time datetime="{{created}}">{{created}}</time></td>
        <td>{{#refundable}}<a href="/dashboard/apps/{{app}}/payments/{{id}}/refund">Refund…</a>{{/refundable}}</td></tr>{{/payments}}</table>
        {{^payments}}<p>None.</p>{{/payments}}
        <h2>Invoices</h2>
        <table><tr><th>Number</th><th>Status</th><th>Collection</th><th>Total</th><th>Paid</th></tr>
        {{#invoices}}<tr><td>{{number}}<br><small>{{id}}</small></td><td>{{status}}</td><td>{{collection}}</td><td>{{total}}</td><td>{{paid}}</td></tr>{{/invoices}}</table>
        {{^invoices}}<p>None.</p>{{/invoices}}
        <h2>Usage this period</h2>
        <p class="muted">{{usagePeriod}}</p>
        <table id="usage"><tr><th>Metric</th><th>Used</th><th>Included</th><th>Billable</th><th>Amount</th><th>Limit</th></tr>
        {{#usage}}<tr class="{{#over}}attention{{/over}}"><td>{{metric}}</td><td>{{value}}</td><td>{{included}}</td><td>{{billable}}</td><td>{{amount}}</td><td>{{limit}}</td></tr>{{/usage}}</table>
        {{^usage}}<p>No metrics.</p>{{/usage}}
        <h2>Entitlements and overrides</h2>
        <table><tr><th>Feature</th><th>Allowed</th><th>Reason</th><th>Limit</th><th>Usage</th><th>Override</th></tr>
        {{#features}}<tr><td>{{feature}}</td><td>{{allowed}}</td><td>{{reason}}</td><td>{{limit}}</td><td>{{usage}}</td><td>{{override}}</td></tr>{{/features}}</table>
        {{^features}}<p>None.</p>{{/features}}
        <h2>Grace periods</h2>
        <table><tr><th>Grace period</th><th>Status</th><th>Reason</th><th>Ends</th><th></th></tr>
        {{#grace}}<tr><td><small>{{id}}</small></td><td>{{status}}</td><td>{{reason}}</td><td><time datetime="{{ends}}">{{ends}}</time></td>
        <td>{{#open}}<a href="/dashboard/apps/{{app}}/grace-periods/{{id}}/resolve">Resolve…</a>{{/open}}</td></tr>{{/grace}}</table>
        {{^grace}}<p>None.</p>{{/grace}}
        <h2>Audit trail</h2>
        <table><tr><th>When</th><th>Actor</th><th>Action</th><th>Target</th></tr>
        {{#audit}}<tr><td><time datetime="{{at}}">{{at}}</time></td><td>{{actor}}</td><td>{{action}}</td><td><small>{{target}}</small></td></tr>{{/audit}}</table>
        {{/body}}{{/layout}}
        """

    static let confirm = """
        {{<layout}}{{$body}}
        <form method="post" action="{{action}}" class="card"><input type="hidden" name="csrf" value="{{csrf}}">
        {{#hidden}}<input type="hidden" name="{{name}}" value="{{value}}">{{/hidden}}
        <p>{{question}}</p>
        {{#fields}}<label>{{label}} <input name="{{name}}" value="{{value}}" placeholder="{{placeholder}}"{{#numeric}} inputmode="numeric"{{/numeric}}></label>{{/fields}}
        {{#choices}}<label><input type="radio" name="{{name}}" value="{{value}}"{{#checked}} checked{{/checked}}> {{label}}</label>{{/choices}}
        <button type="submit" class="danger">{{button}}</button> <a href="{{back}}">Cancel</a></form>
        {{/body}}{{/layout}}
        """

    static let audit = """
        {{<layout}}{{$body}}
        <form method="get" action="/dashboard/audit" class="filters">
        <label>App <select name="app">{{#apps}}<option value="{{id}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/apps}}</select></label>
        <label>Actor <input name="actor" value="{{actor}}"></label><label>Action <input name="action" value="{{action}}"></label>
        <label>Target <input name="target" value="{{target}}"></label>
        <label>From <input type="date" name="from" value="{{from}}"></label><label>To <input type="date" name="to" value="{{to}}"></label>
        <button type="submit">Filter</button></form>
        {{#app}}<form method="post" action="/dashboard/audit/verify" class="inline"><input type="hidden" name="csrf" value="{{csrf}}">
        <input type="hidden" name="app" value="{{app}}"><button type="submit">Verify chain</button></form>{{/app}}
        {{#verification}}<p id="verification" class="{{#broken}}problem{{/broken}}{{^broken}}notice{{/broken}}">{{text}}</p>{{/verification}}
        <table id="audit"><tr><th>When</th><th>Seq</th><th>Actor</th><th>Action</th><th>Target</th></tr>
        {{#entries}}<tr><td><time datetime="{{at}}">{{at}}</time></td><td>{{sequence}}</td><td>{{actor}}</td><td>{{action}}</td>
        <td>{{targetType}} <small>{{target}}</small></td></tr>{{/entries}}</table>
        {{#next}}<p><a href="{{next}}">Next page</a></p>{{/next}}
        {{/body}}{{/layout}}
        """

    static let deliveries = """
        {{<layout}}{{$body}}
        <form method="get" action="/dashboard/deliveries" class="filters">
        <label>App <select name="app">{{#apps}}<option value="{{id}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/apps}}</select></label>
        <label>Status <select name="status">{{#statuses}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/statuses}}</select></label>
        <button type="submit">Filter</button></form>
        <table id="deliveries"><tr><th>Delivery</th><th>Event</th><th>Status</th><th>Attempts</th><th>Last attempt</th><th></th></tr>
        {{#deliveries}}<tr data-delivery="{{id}}"><td><small>{{id}}</small></td><td><small>{{event}}</small></td><td>{{status}}</td><td>{{attempts}}</td>
        <td>{{#lastAttempt}}<time datetime="{{lastAttempt}}">{{lastAttempt}}</time>{{/lastAttempt}} {{lastResult}}</td>
        <td>{{#dead}}<a href="/dashboard/apps/{{app}}/deliveries/{{id}}/retry">Retry…</a>{{/dead}}</td></tr>{{/deliveries}}</table>
        {{^deliveries}}<p>None.</p>{{/deliveries}}
        {{#next}}<p><a href="{{next}}">Next page</a></p>{{/next}}
        {{/body}}{{/layout}}
        """

    static let events = """
        {{<layout}}{{$body}}
        <form method="get" action="/dashboard/events" class="filters">
        <label>App <select name="app">{{#apps}}<option value="{{id}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/apps}}</select></label>
        <label>Type <select name="type">{{#types}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/types}}</select></label>
        <button type="submit">Filter</button></form>
        <table id="events"><tr><th>When</th><th>Seq</th><th>Type</th><th>Object</th><th></th></tr>
        {{#events}}<tr><td><time datetime="{{at}}">{{at}}</time></td><td>{{sequence}}</td><td>{{type}}</td><td>{{objectType}} <small>{{object}}</small></td>
        <td><a href="/dashboard/deliveries?app={{app}}&amp;status=all&amp;event={{id}}">Deliveries</a></td></tr>{{/events}}</table>
        {{^events}}<p>None.</p>{{/events}}
        {{#next}}<p><a href="{{next}}">Next page</a></p>{{/next}}
        {{/body}}{{/layout}}
        """

    static let providerEvents = """
        {{<layout}}{{$body}}
        <form method="get" action="/dashboard/provider-events" class="filters">
        <label>App <select name="app">{{#apps}}<option value="{{id}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/apps}}</select></label>
        <label>Status <select name="status">{{#statuses}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/statuses}}</select></label>
        <button type="submit">Filter</button></form>
        <table id="provider-events"><tr><th>Received</th><th>Event</th><th>Status</th><th>Attempts</th><th>Error</th><th></th></tr>
        {{#events}}<tr data-provider-event="{{id}}"><td><time datetime="{{received}}">{{received}}</time></td><td>{{provider}} {{type}}<br><small>{{id}}</small></td>
        <td>{{status}}</td><td>{{attempts}}</td><td>{{error}}</td>
        <td>{{#reprocessable}}<a href="/dashboard/apps/{{app}}/provider-events/{{id}}/reprocess">Reprocess…</a>{{/reprocessable}}</td></tr>{{/events}}</table>
        {{^events}}<p>None.</p>{{/events}}
        {{#next}}<p><a href="{{next}}">Next page</a></p>{{/next}}
        {{/body}}{{/layout}}
        """

    static let message = """
        {{<layout}}{{$body}}
        {{#text}}<p>{{text}}</p>{{/text}}{{#back}}<p><a href="{{back}}">Back</a></p>{{/back}}
        {{/body}}{{/layout}}
        """
}
