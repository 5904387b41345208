#!/usr/bin/env bash
# Checks the NuGet package as a user gets it: packs MLNet.DeepText, checks the package's contents, installs it from a
# local folder into a fresh console app (net8.0, rolled forward to the installed runtime, RuntimeIdentifier linux-x64),
# trains a tiny model and saves it, then loads it in a second run of the app (a fresh process, nothing registered) and
# checks that the scores are identical. Run by .ci/run; prints one line per check.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

dotnet pack src/MLNet.DeepText -c Release -o "$work/feed" -v quiet -nologo >/dev/null
pkg=$(ls "$work/feed"/MLNet.DeepText.*.nupkg | grep -v '\.symbols\.' | head -n 1)
version=$(basename "$pkg" .nupkg); version=${version#MLNet.DeepText.}
[ -f "$work/feed/MLNet.DeepText.$version.snupkg" ] || { echo "package-check: no symbols package" >&2; exit 1; }
contents=$(unzip -l "$pkg")
for f in lib/net8.0/MLNet.DeepText.dll lib/net10.0/MLNet.DeepText.dll README.md; do
  grep -q " $f\$" <<<"$contents" || { echo "package-check: $f missing from $(basename "$pkg")" >&2; exit 1; }
done
nuspec=$(unzip -p "$pkg" MLNet.DeepText.nuspec)
for tag in '<license type="expression">MIT</license>' '<readme>README.md</readme>' '<tags>'; do
  grep -qF "$tag" <<<"$nuspec" || { echo "package-check: nuspec lacks $tag" >&2; exit 1; }
done
echo "package-check: packed MLNet.DeepText $version (net8.0, net10.0, readme, MIT, symbols)"

mkdir "$work/app"
cp eng/package-check/Program.cs "$work/app/"
cat > "$work/app/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="local" value="$work/feed" />
$(grep -o '<add key="[^"]*" value="[^"]*" />' nuget.config | sed 's/^/    /')
  </packageSources>
</configuration>
XML
cat > "$work/app/App.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net8.0</TargetFramework>
    <RollForward>Major</RollForward>
    <RuntimeIdentifier>linux-x64</RuntimeIdentifier>
    <SelfContained>false</SelfContained>
    <ImplicitUsings>enable</ImplicitUsings>
    <Nullable>enable</Nullable>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="MLNet.DeepText" Version="$version" />
    <PackageReference Include="TorchSharp-cpu" Version="0.107.0" />
  </ItemGroup>
</Project>
XML
# An isolated packages folder, so the package under test is the one just packed (not a cached one of the same version).
export NUGET_PACKAGES="$work/packages"
mkdir -p "$NUGET_PACKAGES"
[ -d "$HOME/.nuget/packages" ] && for p in "$HOME/.nuget/packages"/*; do
  case "$(basename "$p")" in mlnet.deeptext) ;; *) ln -s "$p" "$NUGET_PACKAGES/";; esac
done
dotnet build "$work/app" -c Release -v quiet -nologo > "$work/build.log" || { cat "$work/build.log" >&2; exit 1; }
echo "package-check: app built, output $(du -sh "$work/app/bin/Release" | cut -f1) with RuntimeIdentifier linux-x64"
app="$work/app/bin/Release/net8.0/linux-x64/App.dll"
dotnet "$app" train "$work/model.zip" "$work/scores-train.txt"
dotnet "$app" load "$work/model.zip" "$work/scores-load.txt"
cmp -s "$work/scores-train.txt" "$work/scores-load.txt" || { echo "package-check: scores differ after loading in a fresh process" >&2; exit 1; }
echo "package-check: passed (identical scores after a plain Model.Load in a fresh process)"
