using Hangfire.Dashboard;

namespace Newsletter.Web;

/// <summary>
/// The Hangfire dashboard's gate: loopback, or HTTP Basic with the configured operator. A refused request gets a Basic
/// challenge so a browser asks for the password (Hangfire itself answers 401).
/// </summary>
public sealed class DashboardAuthorizationFilter(OperatorAuthenticator authenticator) : IDashboardAuthorizationFilter
{
    public bool Authorize(DashboardContext context)
    {
        var http = context.GetHttpContext();
        if (authenticator.Evaluate(http) != OperatorAccess.None)
        {
            return true;
        }
        OperatorAuthenticator.Challenge(http.Response);
        return false;
    }

    /// <summary>For <c>DashboardOptions.IsReadOnlyFunc</c>: everyone but admins sees the dashboard without its buttons.</summary>
    public bool IsReadOnly(DashboardContext context) => authenticator.Evaluate(context.GetHttpContext()) != OperatorAccess.Admin;
}
