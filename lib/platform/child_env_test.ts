import { assertEquals } from "../testing/mod.ts";
import { COMMON_LOADER_VARIABLES, isLoaderVariable, loaderEnvOverrides } from "./child_env.ts";

const blanks = Object.fromEntries(COMMON_LOADER_VARIABLES.map((name) => [name, ""]));

Deno.test("isLoaderVariable matches Deno's LD_/DYLD_ rule", () => {
  assertEquals(isLoaderVariable("LD_LIBRARY_PATH"), true);
  assertEquals(isLoaderVariable("LD_BIND_NOW"), true);
  assertEquals(isLoaderVariable("DYLD_INSERT_LIBRARIES"), true);
  assertEquals(isLoaderVariable("ETS_SAVED_LD_LIBRARY_PATH"), false);
  assertEquals(isLoaderVariable("LIBRARY_PATH"), false);
});

Deno.test("an ets child gets loader variables blanked and saved", () => {
  const env = { PATH: "/bin", LD_LIBRARY_PATH: "/opt/fftw/lib", LD_CUSTOM: "1", HOME: "/h" };
  assertEquals(loaderEnvOverrides("ets", env, false), {
    ...blanks,
    LD_LIBRARY_PATH: "",
    LD_CUSTOM: "",
    ETS_SAVED_LD_LIBRARY_PATH: "/opt/fftw/lib",
    ETS_SAVED_LD_CUSTOM: "1",
  });
  // the same with an unscoped --allow-run: Deno does not need it, and stays clean
  assertEquals(loaderEnvOverrides("ets", env, true), loaderEnvOverrides("ets", env, false));
});

Deno.test("an external program gets the original values back when run is unscoped", () => {
  const env = { LD_LIBRARY_PATH: "/opt/fftw/lib" };
  assertEquals(loaderEnvOverrides("external", env, true), {
    LD_LIBRARY_PATH: "/opt/fftw/lib",
    ETS_SAVED_LD_LIBRARY_PATH: "/opt/fftw/lib",
  });
  // values saved by the packed launcher (which unset the originals) come back too
  assertEquals(
    loaderEnvOverrides(
      "external",
      { ETS_SAVED_LD_LIBRARY_PATH: "/m/lib", LD_LIBRARY_PATH: "" },
      true,
    ),
    { LD_LIBRARY_PATH: "/m/lib", ETS_SAVED_LD_LIBRARY_PATH: "/m/lib" },
  );
  // under a scoped --allow-run they cannot: blanked, saved for a wrapper
  assertEquals(loaderEnvOverrides("external", env, false), {
    ...blanks,
    LD_LIBRARY_PATH: "",
    ETS_SAVED_LD_LIBRARY_PATH: "/opt/fftw/lib",
  });
});

Deno.test("saved values travel on through ets children; current values win", () => {
  const env = { ETS_SAVED_LD_LIBRARY_PATH: "/old", LD_LIBRARY_PATH: "/new", LD_PRELOAD: "" };
  assertEquals(loaderEnvOverrides("ets", env, false), {
    ...blanks,
    ETS_SAVED_LD_LIBRARY_PATH: "/new",
  });
  assertEquals(loaderEnvOverrides("ets", { ETS_SAVED_LD_PRELOAD: "/x.so" }, false), {
    ...blanks,
    ETS_SAVED_LD_PRELOAD: "/x.so",
  });
});

Deno.test("with nothing readable, the common names are still blanked", () => {
  assertEquals(loaderEnvOverrides("ets", {}, false), blanks);
  assertEquals(loaderEnvOverrides("external", {}, true), {});
});
