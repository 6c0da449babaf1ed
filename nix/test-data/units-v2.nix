# A model of a version this library does not read (tests.nix: fromFile refuses it).
{
  version = 2;
  units = { };
}
