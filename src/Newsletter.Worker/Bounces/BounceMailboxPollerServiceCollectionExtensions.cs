namespace Newsletter.Worker.Bounces;

public static class BounceMailboxPollerServiceCollectionExtensions
{
    /// <summary>
    /// Reads the bounce mailbox every <c>Newsletter:Bounces:PollSeconds</c> in this process (it does nothing while
    /// <c>Newsletter:Bounces:Enabled</c> is false). For <c>run</c> only; needs <c>AddBounces()</c>.
    /// </summary>
    public static IServiceCollection AddBounceMailboxPoller(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddHostedService<BounceMailboxPoller>();
        return services;
    }
}
