using Microsoft.Extensions.Hosting;
using Newsletter.Hosting.Configuration;

namespace Newsletter.Web.Signups;

public static class SignupServiceCollectionExtensions
{
    /// <summary>
    /// Registers the signup forms' services: <see cref="SignupOptions"/> (section <c>Newsletter:Signup</c>, validated at start),
    /// <see cref="SignupService"/>, the <see cref="ConfirmationMailQueue"/> that sends confirmation mails, and the hourly purge
    /// of expired waiting signups.
    /// </summary>
    public static IServiceCollection AddSignups(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<SignupOptions>().BindSection(SignupOptions.SectionName).ValidateSectionAnnotations().ValidateOnStart();
        services.AddSingleton<SignupService>();
        services.AddSingleton<ConfirmationMailQueue>();
        services.AddHostedService(sp => sp.GetRequiredService<ConfirmationMailQueue>());
        services.AddHostedService<ExpiredSignupsPurge>();
        return services;
    }
}
