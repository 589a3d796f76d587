using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Newsletter.Core.Bounces;
using Newsletter.Delivery.Transports;
using Newsletter.Hosting.Configuration;

namespace Newsletter.Delivery.Bounces;

public static class BouncesServiceCollectionExtensions
{
    /// <summary>
    /// Binds and validates (at start-up) <see cref="BounceOptions"/>, and registers the <see cref="IBounceMailbox"/> (IMAP,
    /// <see cref="ImapBounceMailbox"/>) and the bounce and complaint rules (<see cref="BounceProcessor"/>, <see cref="ComplaintRules"/>). Needs the store registered, which
    /// provides <see cref="IBounceStore"/>, the delivery log and the suppression list. Reading the mailbox on a timer is the
    /// host's choice (<see cref="AddBounceMailboxPoller"/>), not made here.
    /// </summary>
    public static IServiceCollection AddBounces(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<BounceOptions>().BindSection(BounceOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BounceOptions>, BounceOptionsValidator>(sp =>
            new BounceOptionsValidator(sp.GetService<IHostEnvironment>())));
        services.TryAddSingleton(sp => new ImapBounceMailbox(sp.GetRequiredService<IOptions<BounceOptions>>(),
            sp.GetService<IHostEnvironment>()?.ContentRootPath));
        services.TryAddSingleton<IBounceMailbox>(sp => sp.GetRequiredService<ImapBounceMailbox>());
        services.TryAddTransient<SentMessageMatcher>();
        services.TryAddTransient<ComplaintRules>();
        services.TryAddTransient<BounceProcessor>();
        return services;
    }

    /// <summary>
    /// Reads the bounce mailbox every <c>Newsletter:Bounces:PollSeconds</c> in this process (it does nothing while
    /// <c>Newsletter:Bounces:Enabled</c> is false). For <c>run</c> only; needs <see cref="AddBounces"/>.
    /// </summary>
    public static IServiceCollection AddBounceMailboxPoller(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddHostedService<BounceMailboxPoller>();
        return services;
    }
}
