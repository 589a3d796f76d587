using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Newsletter.Core.Configuration;
using Newsletter.Delivery.Messages;
using Newsletter.Delivery.Signing;
using Newsletter.Delivery.Transports;
using Newsletter.Delivery.Unsubscribe;

namespace Newsletter.Delivery;

public static class DeliveryServiceCollectionExtensions
{
    /// <summary>
    /// Binds and validates (at start-up) <see cref="SenderOptions"/>, <see cref="UnsubscribeOptions"/>,
    /// <see cref="DkimOptions"/> and <see cref="DeliveryOptions"/>, and registers <see cref="UnsubscribeTokens"/>, <see cref="PublicUrls"/>,
    /// <see cref="IssueMessageBuilder"/> (signing with DKIM when <see cref="DkimOptions.Enabled"/>) and the <see cref="IMailTransport"/>
    /// chosen by <see cref="DeliveryOptions.Transport"/>, all as singletons. Needs <see cref="IConfiguration"/>
    /// in the container (any host provides it). Relative paths resolve against <see cref="IHostEnvironment.ContentRootPath"/>,
    /// or the current directory when there is no host environment.
    /// </summary>
    public static IServiceCollection AddDelivery(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);

        services.AddOptions<SenderOptions>().BindSection(SenderOptions.SectionName).ValidateSectionAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SenderOptions>, SenderOptionsValidator>());

        services.AddOptions<UnsubscribeOptions>().BindSection(UnsubscribeOptions.SectionName).ValidateSectionAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<UnsubscribeOptions>, UnsubscribeOptionsValidator>());

        services.AddOptions<DkimOptions>().BindSection(DkimOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DkimOptions>, DkimOptionsValidator>(sp =>
            new DkimOptionsValidator(sp.GetService<IHostEnvironment>())));

        services.AddOptions<DeliveryOptions>().BindSection(DeliveryOptions.SectionName).ValidateSectionAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DeliveryOptions>, DeliveryOptionsValidator>(sp =>
            new DeliveryOptionsValidator(sp.GetService<IHostEnvironment>())));

        services.TryAddSingleton(TimeProvider.System);

        services.TryAddSingleton(sp => UnsubscribeTokens.FromOptions(
            sp.GetRequiredService<IOptions<UnsubscribeOptions>>().Value,
            ContentRoot(sp),
            (sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger<UnsubscribeTokens>()));

        // The key is read once, here; every message is then signed with it.
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<DkimOptions>>().Value is { Enabled: true } dkim
            ? new DkimSigning(new DkimMessageSigner(dkim, ContentRoot(sp)))
            : new DkimSigning(null));

        services.TryAddSingleton(sp => new PublicUrls(sp.GetRequiredService<IOptions<SenderOptions>>(), sp.GetRequiredService<UnsubscribeTokens>()));

        services.TryAddSingleton(sp => new IssueMessageBuilder(
            sp.GetRequiredService<IOptions<SenderOptions>>(),
            sp.GetRequiredService<PublicUrls>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<DkimSigning>().Signer));

        services.TryAddSingleton(sp => new PickupMailTransport(sp.GetRequiredService<IOptions<DeliveryOptions>>(), ContentRoot(sp)));
        services.TryAddSingleton(sp => new SmtpMailTransport(
            sp.GetRequiredService<IOptions<DeliveryOptions>>(),
            sp.GetRequiredService<IOptions<SenderOptions>>(),
            sp.GetService<ILogger<SmtpMailTransport>>(),
            ContentRoot(sp)));

        services.TryAddSingleton<IMailTransport>(sp =>
            sp.GetRequiredService<IOptions<DeliveryOptions>>().Value.Transport switch
            {
                MailTransportKind.Smtp => sp.GetRequiredService<SmtpMailTransport>(),
                _ => sp.GetRequiredService<PickupMailTransport>(),
            });

        return services;
    }

    private static string ContentRoot(IServiceProvider sp) =>
        sp.GetService<IHostEnvironment>()?.ContentRootPath ?? Directory.GetCurrentDirectory();

    /// <summary>The container cannot hold a null singleton; this holds the signer, or null when signing is off.</summary>
    private sealed record DkimSigning(DkimMessageSigner? Signer) : IDisposable
    {
        public void Dispose() => Signer?.Dispose();
    }
}
