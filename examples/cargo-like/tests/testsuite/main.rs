mod build;
mod run;
