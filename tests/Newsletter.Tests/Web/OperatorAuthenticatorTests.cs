using System.Net;
using System.Text;
using Hangfire.Dashboard;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Newsletter.Web;

namespace Newsletter.Tests.Web;

/// <summary>The operator gate of /hangfire and /sends, with requests faked from other addresses.</summary>
public sealed class OperatorAuthenticatorTests
{
    private static OperatorAuthenticator Authenticator(string? user = "ops", string? password = "s3cret-pass", params string[] admins)
    {
        var services = new ServiceCollection();
        services.AddOptions<DashboardOptions>().Configure(o =>
        {
            o.User = user;
            o.Password = password;
            o.AdminUsers = [.. admins];
        });
        using var provider = services.BuildServiceProvider();
        return new OperatorAuthenticator(provider.GetRequiredService<IOptionsMonitor<DashboardOptions>>(), NullLogger<OperatorAuthenticator>.Instance);
    }

    private static DefaultHttpContext Request(string remote, string? user = null, string? password = null)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse(remote);
        context.Request.Host = new HostString("127.0.0.1", 5080);
        if (user is not null)
        {
            context.Request.Headers.Authorization = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));
        }
        return context;
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    [InlineData("::ffff:127.0.0.1")]
    public void Evaluate_IsAdminWithoutLogin_WhenTheRequestComesFromLoopback(string remote)
    {
        Assert.Equal(OperatorAccess.Admin, Authenticator().Evaluate(Request(remote)));
    }

    [Fact]
    public void Evaluate_IsNone_WhenARemoteRequestHasNoCredentials()
    {
        Assert.Equal(OperatorAccess.None, Authenticator().Evaluate(Request("203.0.113.9")));
    }

    [Fact]
    public void Evaluate_IsNone_WhenTheRemotePasswordIsWrong()
    {
        Assert.Equal(OperatorAccess.None, Authenticator().Evaluate(Request("203.0.113.9", "ops", "guess")));
    }

    [Fact]
    public void Evaluate_IsNone_WhenNoPasswordIsConfigured()
    {
        Assert.Equal(OperatorAccess.None, Authenticator(password: null).Evaluate(Request("203.0.113.9", "ops", "")));
    }

    [Fact]
    public void Evaluate_IsReadOnly_ForTheRightCredentials_WhenTheUserIsNoAdmin()
    {
        Assert.Equal(OperatorAccess.ReadOnly, Authenticator().Evaluate(Request("203.0.113.9", "ops", "s3cret-pass")));
    }

    [Fact]
    public void Evaluate_IsAdmin_ForTheRightCredentials_WhenTheUserIsAnAdmin()
    {
        Assert.Equal(OperatorAccess.Admin, Authenticator(admins: "ops").Evaluate(Request("203.0.113.9", "ops", "s3cret-pass")));
    }

    [Fact]
    public void Evaluate_TreatsALoopbackRequestAsRemote_WhenAProxyForwardedIt()
    {
        var request = Request("127.0.0.1");
        request.Request.Headers["X-Forwarded-For"] = "203.0.113.9";

        Assert.Equal(OperatorAccess.None, Authenticator().Evaluate(request));
    }

    [Fact]
    public void DashboardFilter_RefusesAndChallenges_ARemoteRequestWithoutCredentials()
    {
        var filter = new DashboardAuthorizationFilter(Authenticator());
        var http = Request("203.0.113.9");

        var allowed = filter.Authorize(DashboardContext(http));

        Assert.False(allowed);
        Assert.StartsWith("Basic realm=", http.Response.Headers.WWWAuthenticate.ToString());
    }

    [Fact]
    public void DashboardFilter_AdmitsButMakesReadOnly_ARemoteUserWhoIsNoAdmin()
    {
        var filter = new DashboardAuthorizationFilter(Authenticator());
        var context = DashboardContext(Request("203.0.113.9", "ops", "s3cret-pass"));

        Assert.True(filter.Authorize(context));
        Assert.True(filter.IsReadOnly(context));
    }

    [Fact]
    public void DashboardFilter_AdmitsWithButtons_ALoopbackRequest()
    {
        var filter = new DashboardAuthorizationFilter(Authenticator());
        var context = DashboardContext(Request("127.0.0.1"));

        Assert.True(filter.Authorize(context));
        Assert.False(filter.IsReadOnly(context));
    }

    private static DashboardContext DashboardContext(HttpContext http)
    {
        http.RequestServices = new ServiceCollection().BuildServiceProvider();
        return new AspNetCoreDashboardContext(new UnusedJobStorage(), new Hangfire.DashboardOptions(), http);
    }

    /// <summary>The gate never touches storage. A real one would log through Hangfire's process-wide logger, which may belong to a disposed host.</summary>
    private sealed class UnusedJobStorage : Hangfire.JobStorage
    {
        public override Hangfire.Storage.IMonitoringApi GetMonitoringApi() => throw new NotSupportedException();

        public override Hangfire.Storage.IStorageConnection GetConnection() => throw new NotSupportedException();
    }
}
