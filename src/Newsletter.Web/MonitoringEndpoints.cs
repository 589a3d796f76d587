using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Newsletter.Web.Monitoring;

namespace Newsletter.Web;

/// <summary>
/// <c>GET /metrics</c> (Prometheus text format, from OpenTelemetry's exporter) and <c>GET /healthz</c> (200 when the store and
/// Hangfire's storage answer, 503 when either does not, with a short JSON body naming each check). Same gate as <c>/sends</c>:
/// loopback, or HTTP Basic with an operator's login; read-only operators may use both.
/// </summary>
public static class MonitoringEndpoints
{
    public static void MapMonitoring(this IEndpointRouteBuilder app)
    {
        app.MapPrometheusScrapingEndpoint("/metrics", meterProvider: null, configureBranchedPipeline: branch => branch.Use(async (http, next) =>
        {
            if (!Admitted(http))
            {
                http.Response.StatusCode = StatusCodes.Status401Unauthorized;
                await http.Response.WriteAsync(LoginRequired, http.RequestAborted);
                return;
            }
            // The gauges read the delivery log and Hangfire here, asynchronously and once, before the exporter collects.
            await http.RequestServices.GetRequiredService<GaugeReadings>().RefreshAsync(http.RequestAborted);
            await next(http);
        }), optionsName: null);

        app.MapGet("/healthz", async (HttpContext http, HealthCheckService health, CancellationToken ct) =>
        {
            if (!Admitted(http)) return Results.Text(LoginRequired, statusCode: StatusCodes.Status401Unauthorized);
            var report = await health.CheckHealthAsync(ct);
            http.Response.Headers.CacheControl = "no-store";
            return Results.Json(new
            {
                status = Name(report.Status),
                checks = report.Entries.ToDictionary(e => e.Key, e => new
                {
                    status = Name(e.Value.Status),
                    description = e.Value.Description,
                    durationMs = Math.Round(e.Value.Duration.TotalMilliseconds, 1),
                }),
            }, statusCode: report.Status == HealthStatus.Healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });
    }

    private const string LoginRequired = "Login required: operator endpoints need the dashboard user and password from this address.\n";

    /// <summary>Whether the request may see operator endpoints; if not, the response gets a Basic challenge (which Prometheus' <c>basic_auth</c> answers).</summary>
    private static bool Admitted(HttpContext http)
    {
        if (http.RequestServices.GetRequiredService<OperatorAuthenticator>().Evaluate(http) != OperatorAccess.None) return true;
        OperatorAuthenticator.Challenge(http.Response);
        return false;
    }

    private static string Name(HealthStatus status) => status.ToString().ToLower(CultureInfo.InvariantCulture);
}
